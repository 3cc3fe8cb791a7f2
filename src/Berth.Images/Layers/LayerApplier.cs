using System.Formats.Tar;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>
/// Applies an image layer blob to a directory in one streamed pass: decompress, digest the tar
/// (diff_id), extract. The policies follow section 3 of the security baseline: paths confined
/// with openat2(RESOLVE_IN_ROOT) (IMG-P1), strict entry names and hardlink targets (IMG-P2), no
/// symlink followed for the entry itself (IMG-P3), digests verified (IMG-P4). On any error the
/// target is left partly written and the caller removes it (IMG-P5); nothing outside it is touched.
/// </summary>
public static class LayerApplier
{
    /// <summary>Applies a layer whose compression comes from its OCI or Docker media type.</summary>
    public static LayerApplyResult Apply(Stream blob, string mediaType, string targetDir, LayerApplyOptions options) =>
        Apply(blob, LayerDecompressor.FromMediaType(mediaType), targetDir, options);

    public static LayerApplyResult Apply(Stream blob, LayerCompression compression, string targetDir, LayerApplyOptions options)
    {
        var layer = options.CompressedDigest?.ToString() ?? options.DiffId?.ToString() ?? options.DisplayName ?? "(unnamed)";
        var warnings = new List<string>();
        var hashCompressed = options.HashCompressed || options.CompressedDigest is null;
        using var compressed = new MeasuredStream(blob, hashCompressed ? options.CompressedDigest?.Algorithm ?? Digest.Sha256 : null);
        // Decompression (and the download or read behind it) runs on a thread of its own, ahead of the extraction.
        using var decompressor = compression == LayerCompression.None
            ? LayerDecompressor.Open(compressed, compression, layer)
            : new ReadAheadStream(LayerDecompressor.Open(compressed, compression, layer));
        using (var uncompressed = new MeasuredStream(decompressor, options.DiffId?.Algorithm ?? Digest.Sha256,
                   n => CheckLimits(n, compressed.BytesRead, options, layer),
                   e => DecompressionError(e, compression, layer)))
        {
            var entries = 0;
            string? current = null;
            try
            {
                using var tree = new ConfinedTree(targetDir);
                var tap = new PaxRecordTap(uncompressed);
                var extractor = new TarEntryExtractor(tree, options.Mode, tap, warnings.Add);
                uncompressed.WatchBlock(0);
                using (var reader = new TarReader(tap, leaveOpen: true))
                {
                    while (reader.GetNextEntry(copyData: false) is { } entry)
                    {
                        current = entry.Name;
                        uncompressed.WatchBlock(uncompressed.BytesRead + ((entry.Length + 511) / 512 * 512));
                        extractor.Extract(entry);
                        entries++;
                        current = null;
                    }
                }
                // The reader also stops at a clean EOF, so the end-of-archive marker is checked here: a
                // stream cut at an entry boundary would otherwise pass, as GZipStream does not report
                // truncation itself (dotnet/runtime#47563).
                if (!uncompressed.WatchedBlockIsZero)
                    throw new LayerException(layer, null, "unexpected EOF: the tar stream ends without its end-of-archive marker");
                extractor.Finish();
                uncompressed.Drain();
                compressed.Drain();
            }
            catch (EntryRefusedException e)
            {
                throw new LayerException(layer, current, e.Message);
            }
            catch (LinuxException e)
            {
                throw new LayerException(layer, current, e.Message, e);
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException or OverflowException
                                          or NotSupportedException)
            {
                throw new LayerException(layer, current, Describe(e), e);
            }

            var diffId = uncompressed.GetDigest();
            var blobDigest = hashCompressed ? compressed.GetDigest() : options.CompressedDigest!.Value;
            if (options.DiffId is { } expectedDiffId && expectedDiffId != diffId)
                throw new LayerException(layer, null, $"diff id mismatch: expected {expectedDiffId}, got {diffId}");
            if (options.CompressedDigest is { } expectedBlob && expectedBlob != blobDigest)
                throw new LayerException(layer, null, $"digest mismatch: expected {expectedBlob}, got {blobDigest}");
            return new LayerApplyResult(diffId, uncompressed.BytesRead, blobDigest, compressed.BytesRead, entries, warnings);
        }
    }

    private static void CheckLimits(long uncompressed, long compressed, LayerApplyOptions options, string layer)
    {
        if (options.MaxUncompressedSize is { } max && uncompressed > max)
            throw new LayerException(layer, null, $"uncompressed size exceeds the limit of {max} bytes");
        if (options.MaxRatio is { } ratio && uncompressed > options.RatioGraceBytes && uncompressed > ratio * Math.Max(compressed, 1))
            throw new LayerException(layer, null, $"expands more than {ratio} times its compressed size (decompression bomb)");
    }

    /// <summary>A failure inside gzip or zstd decoding, as opposed to the tar inside it or the blob's own stream.</summary>
    private static LayerException? DecompressionError(Exception e, LayerCompression compression, string layer)
    {
        if (compression == LayerCompression.None || e is LayerException)
            return null;
        var kind = LayerDecompressor.Describe(compression);
        return e switch
        {
            EndOfStreamException => new LayerException(layer, null, $"unexpected EOF in the {kind} stream", e),
            InvalidDataException or ZstdSharp.ZstdException => new LayerException(layer, null, $"corrupt {kind} stream: {Lower(e.Message)}", e),
            _ => null,
        };
    }

    private static string Describe(Exception e) => e switch
    {
        EndOfStreamException => "unexpected EOF",
        NotSupportedException => $"unhandled tar header type: {Lower(e.Message)}",
        _ => $"invalid tar: {Lower(e.Message)}",
    };

    private static string Lower(string message) =>
        message.Length == 0 ? message : char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.');
}
