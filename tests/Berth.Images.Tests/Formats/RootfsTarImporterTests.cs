using System.IO.Compression;
using Berth.Images.Content;
using Berth.Images.Formats;
using Berth.Images.Oci;
using Berth.Images.Tests.Content;

namespace Berth.Images.Tests.Formats;

public sealed class RootfsTarImporterTests : IDisposable
{
    private static readonly byte[] Rootfs = TestImage.Tar(("bin/sh", "#!\n"u8.ToArray()), ("etc/os-release", "ID=test\n"u8.ToArray()));

    private readonly StoreFixture _store = new();

    public void Dispose() => _store.Dispose();

    private (ImageManifest Manifest, ImageConfig Config) Import(byte[] tarball, RootfsImportOptions? options = null)
    {
        var d = new RootfsTarImporter(_store.Store).Import(new MemoryStream(tarball), options);
        var manifest = ManifestParser.ParseManifest(_store.Store.ReadAllBytes(d.Digest, 1 << 20), d.Digest, d.MediaType);
        var config = ManifestParser.ParseConfig(_store.Store.ReadAllBytes(manifest.Config!.Digest, 1 << 20), manifest.Config.Digest);
        return (manifest, config);
    }

    private byte[] Uncompressed(Descriptor layer)
    {
        using var gzip = new GZipStream(_store.Store.OpenRead(layer.Digest), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor();
        return compressor.Wrap(data).ToArray();
    }

    [Fact]
    public void A_plain_tar_becomes_one_gzip_layer_whose_diff_id_is_the_tar_digest()
    {
        var (manifest, config) = Import(Rootfs);
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal(MediaTypes.OciLayerGzip, layer.MediaType);
        Assert.Equal(Rootfs, Uncompressed(layer));
        Assert.Equal([Digest.Compute(Rootfs)], config.RootFs!.DiffIds);
    }

    [Fact]
    public void The_stored_layer_blob_matches_its_descriptor()
    {
        var layer = Import(Rootfs).Manifest.Layers[0];
        Assert.True(_store.Store.Verify(layer.Digest));
        Assert.Equal(layer.Size, _store.Store.Info(layer.Digest).Size);
    }

    [Fact]
    public void A_gzip_tarball_is_decompressed_for_the_diff_id()
    {
        var (manifest, config) = Import(TestImage.Gzip(Rootfs));
        Assert.Equal([Digest.Compute(Rootfs)], config.RootFs!.DiffIds);
        Assert.Equal(Rootfs, Uncompressed(manifest.Layers[0]));
    }

    [Fact]
    public void A_zstd_tarball_is_decompressed_for_the_diff_id()
    {
        Assert.Equal([Digest.Compute(Rootfs)], Import(Zstd(Rootfs)).Config.RootFs!.DiffIds);
    }

    [Fact]
    public void The_config_has_the_host_platform_and_an_import_history_entry()
    {
        var config = Import(Rootfs, new RootfsImportOptions { Source = "rootfs.tar" }).Config;
        Assert.Equal((Platform.Host.OS, Platform.Host.Architecture), (config.OS, config.Architecture));
        Assert.Equal("imported from rootfs.tar", Assert.Single(config.History!).Comment);
    }

    [Fact]
    public void Changes_from_the_options_land_in_the_execution_config()
    {
        var options = new RootfsImportOptions
        {
            Cmd = ["/bin/sh"],
            Entrypoint = ["/init"],
            Env = ["A=1"],
            WorkingDir = "/srv",
            User = "1000:1000",
            Labels = new Dictionary<string, string> { ["k"] = "v" },
        };
        var c = Import(Rootfs, options).Config.Config!;
        Assert.Equal(["/bin/sh"], c.Cmd!);
        Assert.Equal(["/init"], c.Entrypoint!);
        Assert.Equal(["A=1"], c.Env!);
        Assert.Equal(("/srv", "1000:1000", "v"), (c.WorkingDir, c.User, c.Labels!["k"]));
    }

    [Fact]
    public void The_same_tarball_and_time_give_the_same_manifest()
    {
        var options = new RootfsImportOptions { Created = DateTimeOffset.UnixEpoch };
        var importer = new RootfsTarImporter(_store.Store);
        Assert.Equal(importer.Import(new MemoryStream(Rootfs), options), importer.Import(new MemoryStream(Rootfs), options));
    }

    [Fact]
    public void Input_that_is_not_a_tar_is_refused_and_leaves_nothing_in_the_store()
    {
        var junk = new byte[4096];
        new Random(1).NextBytes(junk);
        var e = Assert.Throws<ArchiveFormatException>(() =>
            new RootfsTarImporter(_store.Store).Import(new MemoryStream(junk), new RootfsImportOptions { Source = "junk.bin" }));
        Assert.StartsWith("rootfs tarball junk.bin: not a valid tar archive: ", e.Message);
        Assert.Empty(_store.Store.Walk());
        Assert.Empty(_store.Store.ListIngests());
    }

    [Fact]
    public void Empty_input_is_refused()
    {
        var e = Assert.Throws<ArchiveFormatException>(() => new RootfsTarImporter(_store.Store).Import(new MemoryStream()));
        Assert.Equal("rootfs tarball -: empty", e.Message);
    }

    [Fact]
    public void Import_leaves_the_callers_stream_open()
    {
        var input = new MemoryStream(TestImage.Gzip(Rootfs));
        new RootfsTarImporter(_store.Store).Import(input);
        Assert.True(input.CanRead);
    }
}
