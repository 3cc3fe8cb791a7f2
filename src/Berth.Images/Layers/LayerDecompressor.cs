using System.IO.Compression;
using Berth.Images.Oci;

namespace Berth.Images.Layers;

/// <summary>Chooses a layer's decompressor from its media type and checks the choice against the blob's magic bytes.</summary>
public static class LayerDecompressor
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];
    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>The compression an OCI or Docker layer media type declares.</summary>
    public static LayerCompression FromMediaType(string mediaType) =>
        MediaTypes.LayerCompressionOf(mediaType) ?? throw new ArgumentException($"unsupported layer media type \"{mediaType}\"", nameof(mediaType));

    /// <summary>What the first bytes of a blob say it is; a tar has no magic at offset 0, so anything else is None.</summary>
    public static LayerCompression Sniff(ReadOnlySpan<byte> head) =>
        head.StartsWith(GzipMagic) ? LayerCompression.Gzip
        : head.StartsWith(ZstdMagic) ? LayerCompression.Zstd
        : LayerCompression.None;

    internal static Stream Open(MeasuredStream compressed, LayerCompression declared, string layer)
    {
        var sniffed = Sniff(compressed.Peek(4));
        if (sniffed != declared)
        {
            throw new LayerException(layer, null,
                $"declared {Describe(declared)} but the blob starts like {Describe(sniffed)}");
        }
        return declared switch
        {
            LayerCompression.Gzip => IsalGzipStream.Open(compressed, leaveOpen: true),
            LayerCompression.Zstd => new ZstdSharp.DecompressionStream(compressed, leaveOpen: true),
            _ => compressed,
        };
    }

    internal static string Describe(LayerCompression c) => c switch
    {
        LayerCompression.Gzip => "gzip",
        LayerCompression.Zstd => "zstd",
        _ => "an uncompressed tar",
    };
}
