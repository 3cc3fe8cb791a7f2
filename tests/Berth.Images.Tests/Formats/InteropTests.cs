using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Formats;
using Berth.Images.Oci;
using Berth.Images.Tests.Content;

namespace Berth.Images.Tests.Formats;

/// <summary>What Berth writes, skopeo and umoci read; what skopeo writes, Berth reads.</summary>
public sealed class InteropTests : IDisposable
{
    private readonly StoreFixture _source = new();
    private readonly StoreFixture _target = new();
    private readonly TempDir _dir = new();
    private readonly Descriptor _image;

    public InteropTests() => _image = TestImage.BuildBusybox(_source.Store);

    public void Dispose()
    {
        _source.Dispose();
        _target.Dispose();
        _dir.Dispose();
    }

    private string ExportLayout(string name = "docker.io/library/bbox:1.0")
    {
        new OciLayoutExporter(_source.Store).ExportToDirectory([new ExportImage(name, _image)], _dir["layout"]);
        return _dir["layout"];
    }

    private IReadOnlyList<Digest> DiffIds(ContentStore store, Descriptor manifestDescriptor)
    {
        var manifest = ManifestParser.ParseManifest(store.ReadAllBytes(manifestDescriptor.Digest, 1 << 20), manifestDescriptor.Digest, manifestDescriptor.MediaType);
        return ManifestParser.ParseConfig(store.ReadAllBytes(manifest.Config!.Digest, 1 << 20), manifest.Config.Digest).RootFs!.DiffIds;
    }

    [Fact]
    public void Skopeo_inspects_an_exported_oci_layout_by_tag()
    {
        using var doc = JsonDocument.Parse(Tool.Run("skopeo", "inspect", $"oci:{ExportLayout()}:1.0"));
        Assert.Equal(_image.Digest.ToString(), doc.RootElement.GetProperty("Digest").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("Layers").GetArrayLength());
    }

    [Fact]
    public void Umoci_unpacks_an_exported_oci_layout_into_a_bundle_with_both_layers()
    {
        Tool.Run("umoci", "unpack", "--image", $"{ExportLayout()}:1.0", _dir["bundle"]);
        Assert.Equal(File.ReadAllBytes("/bin/busybox"), File.ReadAllBytes(_dir["bundle/rootfs/bin/busybox"]));
        Assert.Equal("berth\n", File.ReadAllText(_dir["bundle/rootfs/etc/motd"]));
        Assert.True(File.Exists(_dir["bundle/config.json"]));
    }

    [Fact]
    public void A_docker_archive_written_by_skopeo_imports_with_its_tag_and_diff_ids()
    {
        Tool.Run("skopeo", "--insecure-policy", "copy", $"oci:{ExportLayout()}:1.0", $"docker-archive:{_dir["bbox.tar"]}:bbox:1.0");
        using var file = File.OpenRead(_dir["bbox.tar"]);
        var image = Assert.Single(new DockerArchiveImporter(_target.Store).ImportArchive(file, "bbox.tar"));
        Assert.Equal("docker.io/library/bbox:1.0", image.Name);
        Assert.Equal(DiffIds(_source.Store, _image), DiffIds(_target.Store, image.Target));
    }

    [Fact]
    public void An_oci_archive_written_by_skopeo_imports_with_every_blob()
    {
        Tool.Run("skopeo", "--insecure-policy", "copy", $"oci:{ExportLayout()}:1.0", $"oci-archive:{_dir["bbox-oci.tar"]}:1.0");
        using var file = File.OpenRead(_dir["bbox-oci.tar"]);
        var image = Assert.Single(new OciLayoutImporter(_target.Store).ImportArchive(file, "bbox-oci.tar"));
        Assert.Equal("1.0", image.Name);
        Assert.Equal(DiffIds(_source.Store, _image), DiffIds(_target.Store, image.Target));
    }

    [Fact]
    public void Skopeo_inspects_an_exported_docker_archive()
    {
        using (var file = File.Create(_dir["out.tar"]))
            new DockerArchiveExporter(_source.Store).ExportToArchive([new ExportImage("docker.io/library/bbox:1.0", _image)], file);
        using var doc = JsonDocument.Parse(Tool.Run("skopeo", "inspect", $"docker-archive:{_dir["out.tar"]}"));
        var layers = doc.RootElement.GetProperty("Layers").EnumerateArray().Select(l => Digest.Parse(l.GetString()!));
        Assert.Equal(DiffIds(_source.Store, _image), layers);
    }

    [Fact]
    public void Skopeo_copies_every_layer_out_of_an_exported_docker_archive()
    {
        using (var file = File.Create(_dir["out.tar"]))
            new DockerArchiveExporter(_source.Store).ExportToArchive([new ExportImage("bbox:1.0", _image)], file);
        Tool.Run("skopeo", "--insecure-policy", "copy", $"docker-archive:{_dir["out.tar"]}", $"oci:{_dir["copy"]}:copied");
        var image = Assert.Single(new OciLayoutImporter(_target.Store).ImportDirectory(_dir["copy"]));
        Assert.Equal(DiffIds(_source.Store, _image), DiffIds(_target.Store, image.Target));
    }

    [Fact]
    public void Umoci_unpacks_an_imported_rootfs_tarball_after_export()
    {
        var tarball = TestImage.Tar(("bin/busybox", File.ReadAllBytes("/bin/busybox")));
        var manifest = new RootfsTarImporter(_source.Store).Import(new MemoryStream(tarball), new RootfsImportOptions { Cmd = ["/bin/busybox", "true"] });
        new OciLayoutExporter(_source.Store).ExportToDirectory([new ExportImage("imported:latest", manifest)], _dir["layout"]);
        Tool.Run("umoci", "unpack", "--image", $"{_dir["layout"]}:latest", _dir["bundle"]);
        Assert.Equal(File.ReadAllBytes("/bin/busybox"), File.ReadAllBytes(_dir["bundle/rootfs/bin/busybox"]));
    }

    [Fact]
    public void An_image_imported_from_a_skopeo_docker_archive_exports_as_a_docker_archive_skopeo_can_copy()
    {
        Tool.Run("skopeo", "--insecure-policy", "copy", $"oci:{ExportLayout()}:1.0", $"docker-archive:{_dir["bbox.tar"]}:bbox:1.0");
        using (var file = File.OpenRead(_dir["bbox.tar"]))
        using (var output = File.Create(_dir["again.tar"]))
        {
            var image = Assert.Single(new DockerArchiveImporter(_target.Store).ImportArchive(file, "bbox.tar"));
            new DockerArchiveExporter(_target.Store).ExportToArchive([new ExportImage(image.Name, image.Target)], output);
        }
        Tool.Run("skopeo", "--insecure-policy", "copy", $"docker-archive:{_dir["again.tar"]}", $"oci:{_dir["copy"]}:copied");
        var copied = Assert.Single(new OciLayoutImporter(_source.Store).ImportDirectory(_dir["copy"]));
        Assert.Equal(DiffIds(_source.Store, _image), DiffIds(_source.Store, copied.Target));
    }
}
