using System.IO.Compression;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Oci;

namespace Berth.Images.Tests.Layers;

/// <summary>Compression, digests and limits: IMG-P4 and baseline L18, L20, L21.</summary>
public class LayerApplierStreamTests
{
    private static readonly byte[] Tar = new LayerTar().Dir("etc").File("etc/hostname", "berth").ToTar();

    private static LayerApplyResult Apply(LayerWorkspace ws, byte[] blob, string mediaType, LayerApplyOptions? options = null) =>
        LayerApplier.Apply(new MemoryStream(blob), mediaType, ws.Root, options ?? new LayerApplyOptions());

    [Theory]
    [InlineData("application/vnd.oci.image.layer.v1.tar")]
    [InlineData("application/vnd.oci.image.layer.v1.tar+gzip")]
    [InlineData("application/vnd.docker.image.rootfs.diff.tar.gzip")]
    [InlineData("application/vnd.oci.image.layer.v1.tar+zstd")]
    public void Each_compression_yields_the_same_files_and_diff_id(string mediaType)
    {
        using var ws = new LayerWorkspace();
        var blob = mediaType.EndsWith("zstd", StringComparison.Ordinal) ? LayerTar.Zstd(Tar)
            : mediaType.EndsWith("gzip", StringComparison.Ordinal) ? LayerTar.Gzip(Tar) : Tar;

        var result = Apply(ws, blob, mediaType, new LayerApplyOptions { DiffId = Digest.Compute(Tar), CompressedDigest = Digest.Compute(blob) });

        Assert.Equal("berth", File.ReadAllText(ws.In("etc/hostname")));
        Assert.Equal(Digest.Compute(Tar), result.DiffId);
        Assert.Equal((long)blob.Length, result.CompressedSize);
    }

    [Fact]
    public void Multi_member_gzip_is_read_to_the_last_member()
    {
        using var ws = new LayerWorkspace();
        var blob = LayerTar.Gzip(Tar[..1024]).Concat(LayerTar.Gzip(Tar[1024..])).ToArray();

        var result = Apply(ws, blob, "application/vnd.oci.image.layer.v1.tar+gzip");

        Assert.Equal("berth", File.ReadAllText(ws.In("etc/hostname")));
        Assert.Equal(Digest.Compute(Tar), result.DiffId);
    }

    [Fact]
    public void Media_type_that_disagrees_with_the_magic_bytes_is_refused()
    {
        using var ws = new LayerWorkspace();

        var e = Assert.Throws<LayerException>(() => Apply(ws, LayerTar.Zstd(Tar), "application/vnd.oci.image.layer.v1.tar+gzip"));

        Assert.EndsWith("declared gzip but the blob starts like zstd", e.Message);
    }

    [Fact]
    public void Unknown_media_type_is_refused()
    {
        using var ws = new LayerWorkspace();

        Assert.Throws<ArgumentException>(() => Apply(ws, Tar, "application/vnd.oci.image.config.v1+json"));
    }

    [Fact]
    public void Diff_id_mismatch_is_refused_naming_both_digests()
    {
        using var ws = new LayerWorkspace();
        var wrong = Digest.Compute("other"u8);

        var e = Assert.Throws<LayerException>(() => Apply(ws, Tar, "application/vnd.oci.image.layer.v1.tar", new LayerApplyOptions { DiffId = wrong }));

        Assert.Equal($"layer {wrong}: diff id mismatch: expected {wrong}, got {Digest.Compute(Tar)}", e.Message);
    }

    [Fact]
    public void Compressed_digest_mismatch_is_refused()
    {
        using var ws = new LayerWorkspace();
        var blob = LayerTar.Gzip(Tar);
        var wrong = Digest.Compute("other"u8);

        var e = Assert.Throws<LayerException>(() => Apply(ws, blob, "application/vnd.oci.image.layer.v1.tar+gzip", new LayerApplyOptions { CompressedDigest = wrong }));

        Assert.Contains($"digest mismatch: expected {wrong}, got {Digest.Compute(blob)}", e.Message);
    }

    [Fact]
    public void L18_truncated_entry_data_is_refused_as_unexpected_eof()
    {
        using var ws = new LayerWorkspace();
        var tar = new LayerTar().File("big", new string('x', 1 << 20)).ToTar();

        var e = Assert.Throws<LayerException>(() => Apply(ws, tar[..(600 * 1024)], "application/vnd.oci.image.layer.v1.tar"));

        Assert.EndsWith("unexpected EOF", e.Message);
    }

    [Fact]
    public void L18_gzip_cut_at_an_entry_boundary_is_refused()
    {
        using var ws = new LayerWorkspace();
        var tar = new LayerTar().File("a", "x").File("b", "y").ToTar();

        var e = Assert.Throws<LayerException>(() => Apply(ws, LayerTar.Gzip(tar[..(tar.Length - 1024 - 1024)]), "application/vnd.oci.image.layer.v1.tar+gzip"));

        Assert.Contains("unexpected EOF", e.Message);
    }

    [Fact]
    public void L18_truncated_zstd_stream_is_refused()
    {
        using var ws = new LayerWorkspace();
        var blob = LayerTar.Zstd(Tar);

        var e = Assert.Throws<LayerException>(() => Apply(ws, blob[..(blob.Length / 2)], "application/vnd.oci.image.layer.v1.tar+zstd"));

        Assert.Equal("layer (unnamed): unexpected EOF in the zstd stream", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_stream_is_refused_naming_gzip()
    {
        using var ws = new LayerWorkspace();
        var blob = LayerTar.Gzip(Tar);
        for (var i = 12; i < blob.Length - 8; i++)
            blob[i] ^= 0x5a;

        var e = Assert.Throws<LayerException>(() => Apply(ws, blob, "application/vnd.oci.image.layer.v1.tar+gzip"));

        Assert.StartsWith("layer (unnamed): corrupt gzip stream: ", e.Message);
    }

    [Fact]
    public void L20_layer_above_the_uncompressed_size_limit_is_refused()
    {
        using var ws = new LayerWorkspace();
        var tar = new LayerTar().File("zeros", new string('\0', 4 << 20)).ToTar();

        var e = Assert.Throws<LayerException>(() => Apply(ws, LayerTar.Gzip(tar), "application/vnd.oci.image.layer.v1.tar+gzip",
            new LayerApplyOptions { MaxUncompressedSize = 1 << 20 }));

        Assert.EndsWith("uncompressed size exceeds the limit of 1048576 bytes", e.Message);
    }

    [Fact]
    public void L20_decompression_bomb_above_the_ratio_limit_is_refused()
    {
        using var ws = new LayerWorkspace();
        var tar = new LayerTar().File("zeros", new string('\0', 32 << 20)).ToTar();

        var e = Assert.Throws<LayerException>(() => Apply(ws, LayerTar.Gzip(tar), "application/vnd.oci.image.layer.v1.tar+gzip",
            new LayerApplyOptions { MaxRatio = 100 }));

        Assert.Contains("decompression bomb", e.Message);
    }

    [Fact]
    public void L21_trailing_data_after_the_end_marker_is_ignored_but_digested()
    {
        using var ws = new LayerWorkspace();
        byte[] padded = [.. Tar, .. new byte[1 << 20], .. "junk"u8];

        var result = Apply(ws, LayerTar.Gzip(padded), "application/vnd.oci.image.layer.v1.tar+gzip");

        Assert.Equal("berth", File.ReadAllText(ws.In("etc/hostname")));
        Assert.Equal(Digest.Compute(padded), result.DiffId);
        Assert.Equal(padded.Length, result.UncompressedSize);
    }

    [Fact]
    public void Sniff_recognises_gzip_and_zstd_magic()
    {
        Assert.Equal(LayerCompression.Gzip, LayerDecompressor.Sniff(LayerTar.Gzip(Tar)));
        Assert.Equal(LayerCompression.Zstd, LayerDecompressor.Sniff(LayerTar.Zstd(Tar)));
        Assert.Equal(LayerCompression.None, LayerDecompressor.Sniff(Tar));
    }
}
