using System.IO.Compression;
using Berth.Images.Oci;
using ZstdSharp;

namespace Berth.Images.Formats;

/// <summary>
/// Recognises gzip and zstd by their magic numbers, as docker and containerd do for layers whose
/// media type does not say (docker-archive layers, <c>docker import</c> tarballs), and opens the
/// matching decompressor. Decompression runs in-process (SEC-DAEMON-3).
/// </summary>
internal static class Compression
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b, 0x08];

    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    public static LayerCompression Detect(ReadOnlySpan<byte> head) =>
        head.StartsWith(GzipMagic) ? LayerCompression.Gzip
        : head.StartsWith(ZstdMagic) ? LayerCompression.Zstd
        : LayerCompression.None;

    /// <summary>
    /// Peeks at the start of <paramref name="source"/> without losing the bytes: the returned stream
    /// replays them. Disposing it disposes the source unless <paramref name="leaveOpen"/>.
    /// </summary>
    public static Stream Sniff(Stream source, out LayerCompression compression, bool leaveOpen = false)
    {
        var head = new byte[4];
        var n = source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        compression = Detect(head.AsSpan(0, n));
        return new PrefixedStream(head.AsMemory(0, n), source, leaveOpen);
    }

    public static Stream Decompress(Stream source, LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => new GZipStream(source, CompressionMode.Decompress),
        LayerCompression.Zstd => new DecompressionStream(source),
        _ => source,
    };

    /// <summary>The uncompressed stream of <paramref name="source"/>, whatever its compression.</summary>
    public static Stream OpenUncompressed(Stream source, bool leaveOpen = false) =>
        Decompress(Sniff(source, out var compression, leaveOpen), compression);
}
