using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// <c>berth image import</c>: a root filesystem tarball (tar, tar.gz or tar.zst, told apart by
/// magic) becomes a one-layer OCI image, as <c>docker import</c> does. The tarball is read once:
/// decompressed, hashed for the diff id, checked to be a tar, and recompressed with gzip into a
/// content writer that hashes the blob, all in one pass. Returns the new manifest's descriptor; the
/// caller names the image.
/// </summary>
public sealed class RootfsTarImporter(ContentStore store)
{
    public Descriptor Import(Stream tarball, RootfsImportOptions? options = null)
    {
        options ??= new RootfsImportOptions();
        var what = $"rootfs tarball {options.Source}";
        var (layer, diffId) = StoreLayer(tarball, what);
        var platform = options.Platform ?? Platform.Host;
        var created = options.Created ?? DateTimeOffset.UtcNow;
        var config = new ImageConfig
        {
            Created = created,
            Architecture = platform.Architecture,
            OS = platform.OS,
            Variant = platform.Variant,
            Config = Execution(options),
            RootFs = new RootFs { Type = "layers", DiffIds = [diffId] },
            History = [new HistoryEntry { Created = created, CreatedBy = "berth image import", Comment = options.Message ?? $"imported from {options.Source}" }],
        };
        var configDescriptor = Put(MediaTypes.OciConfig, JsonSerializer.SerializeToUtf8Bytes(config, OciImageJson.Default.ImageConfig));
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciManifest,
            Config = configDescriptor,
            Layers = [layer],
        };
        return Put(MediaTypes.OciManifest, JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest));
    }

    private (Descriptor Layer, Digest DiffId) StoreLayer(Stream tarball, string what)
    {
        var reference = $"rootfs-import-{Guid.NewGuid():N}";
        try
        {
            using var writer = store.OpenWriter(reference);
            using var compressed = new DigestingStream(writer, leaveOpen: true);
            Digest diffId;
            using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                using var uncompressed = new DigestingStream(Compression.OpenUncompressed(tarball, leaveOpen: true));
                using var tee = new TeeStream(uncompressed, gzip);
                try
                {
                    CheckTar(tee, what);
                }
                catch (ArchiveFormatException) when (uncompressed.BytesSeen == 0)
                {
                    throw new ArchiveFormatException($"{what}: empty");
                }
                // Bytes after the end-of-archive marker belong to the layer as docker hashes it.
                tee.CopyTo(Stream.Null);
                diffId = uncompressed.Digest;
            }
            var digest = compressed.Digest;
            var size = compressed.BytesSeen;
            writer.Commit(size, digest);
            return (new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = digest, Size = size }, diffId);
        }
        catch
        {
            store.Abort(reference);
            throw;
        }
    }

    /// <summary>Walks the tar's headers (skipping file data) so that a file that is not a tar is refused now, not at unpack.</summary>
    private static void CheckTar(Stream tar, string what)
    {
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            while (reader.GetNextEntry(copyData: false) is not null)
            {
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ArchiveFormatException($"{what}: not a valid tar archive: {ArchiveReader.Lower(e.Message)}", e);
        }
    }

    private static ExecutionConfig? Execution(RootfsImportOptions o) =>
        o.Cmd is null && o.Entrypoint is null && o.Env is null && o.WorkingDir is null && o.User is null && o.Labels is null
            ? null
            : new ExecutionConfig { Cmd = o.Cmd, Entrypoint = o.Entrypoint, Env = o.Env, WorkingDir = o.WorkingDir, User = o.User, Labels = o.Labels };

    private Descriptor Put(string mediaType, byte[] data)
    {
        var descriptor = new Descriptor { MediaType = mediaType, Digest = Digest.Compute(data), Size = data.Length };
        store.Ingest(new MemoryStream(data), descriptor);
        return descriptor;
    }
}
