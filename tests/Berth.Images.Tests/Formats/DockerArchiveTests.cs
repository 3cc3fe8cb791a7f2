using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Formats;
using Berth.Images.Oci;
using Berth.Images.Tests.Content;

namespace Berth.Images.Tests.Formats;

public sealed class DockerArchiveTests : IDisposable
{
    private static readonly byte[] Layer1 = TestImage.Tar(("etc/hello", "hello\n"u8.ToArray()));
    private static readonly byte[] Layer2 = TestImage.Tar(("etc/world", "world\n"u8.ToArray()));

    private readonly StoreFixture _source = new();
    private readonly StoreFixture _target = new();
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        _source.Dispose();
        _target.Dispose();
        _dir.Dispose();
    }

    private static string Config(params byte[][] layers) =>
        $$$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[{{{string.Join(",", layers.Select(l => $"\"{Digest.Compute(l)}\""))}}}]}}""";

    private static (string, byte[]) Manifest(string json) => ("manifest.json", Encoding.UTF8.GetBytes(json));

    /// <summary>A legacy docker save archive of one image with <paramref name="layers"/> as <c>l&lt;n&gt;/layer.tar</c>.</summary>
    private static List<(string, byte[])> Legacy(string repoTags = "[\"busybox:latest\"]", params byte[][] layers)
    {
        layers = layers.Length > 0 ? layers : [Layer1, Layer2];
        var config = Encoding.UTF8.GetBytes(Config(layers));
        var members = new List<(string, byte[])>();
        for (var i = 0; i < layers.Length; i++)
            members.Add(($"l{i}/layer.tar", layers[i]));
        members.Add(("cfg.json", config));
        var paths = string.Join(",", layers.Select((_, i) => $"\"l{i}/layer.tar\""));
        members.Add(Manifest($$"""[{"Config":"cfg.json","RepoTags":{{repoTags}},"Layers":[{{paths}}]}]"""));
        return members;
    }

    private IReadOnlyList<ImportedImage> Import(IEnumerable<(string, byte[])> members)
    {
        TestImage.WriteTar(_dir["in.tar"], [.. members]);
        using var file = File.OpenRead(_dir["in.tar"]);
        return new DockerArchiveImporter(_target.Store).ImportArchive(file, "in.tar");
    }

    private ArchiveFormatException Refused(IEnumerable<(string, byte[])> members) =>
        Assert.Throws<ArchiveFormatException>(() => Import(members));

    private ImageManifest ManifestOf(ImportedImage image) =>
        ManifestParser.ParseManifest(_target.Store.ReadAllBytes(image.Target.Digest, 1 << 20), image.Target.Digest, image.Target.MediaType);

    [Fact]
    public void Legacy_archive_imports_as_a_docker_schema_2_manifest_with_uncompressed_layers()
    {
        var image = Assert.Single(Import(Legacy()));
        Assert.Equal(("busybox:latest", MediaTypes.DockerManifest), (image.Name, image.Target.MediaType));
        var manifest = ManifestOf(image);
        Assert.Equal(MediaTypes.DockerConfig, manifest.Config!.MediaType);
        Assert.Equal([Digest.Compute(Layer1), Digest.Compute(Layer2)], manifest.Layers.Select(l => l.Digest));
        Assert.All(manifest.Layers, l => Assert.Equal(MediaTypes.DockerLayer, l.MediaType));
        Assert.All(manifest.Layers, l => Assert.True(_target.Store.Exists(l.Digest)));
    }

    [Fact]
    public void Manifest_json_may_come_before_the_layers()
    {
        var members = Legacy();
        members.Reverse();
        Assert.Equal("busybox:latest", Assert.Single(Import(members)).Name);
    }

    [Fact]
    public void Each_repo_tag_gives_an_image_of_the_same_manifest()
    {
        var images = Import(Legacy("[\"a:1\",\"b:2\"]"));
        Assert.Equal(["a:1", "b:2"], images.Select(i => i.Name));
        Assert.Equal(images[0].Target, images[1].Target);
    }

    [Fact]
    public void Null_repo_tags_give_one_unnamed_image()
    {
        Assert.Null(Assert.Single(Import(Legacy("null"))).Name);
    }

    [Fact]
    public void A_gzip_layer_is_stored_as_is_and_checked_against_the_uncompressed_diff_id()
    {
        var members = Legacy();
        var gz = TestImage.Gzip(Layer2);
        members[1] = ("l1/layer.tar", gz);
        var layer = ManifestOf(Assert.Single(Import(members))).Layers[1];
        Assert.Equal((MediaTypes.DockerLayerGzip, Digest.Compute(gz)), (layer.MediaType, layer.Digest));
    }

    [Fact]
    public void A_layer_symlinked_to_another_layer_tar_resolves_to_its_blob()
    {
        var members = Legacy(layers: [Layer1, Layer1]);
        members.RemoveAt(1);
        TestImage.WriteTar(_dir["in.tar"], [.. members]);
        using (var file = File.Open(_dir["in.tar"], FileMode.Open))
        {
            file.Seek(-1024, SeekOrigin.End);
            using var tar = new TarWriter(file, TarEntryFormat.Pax);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "l1/layer.tar") { LinkName = "../l0/layer.tar" });
        }
        using var input = File.OpenRead(_dir["in.tar"]);
        var image = Assert.Single(new DockerArchiveImporter(_target.Store).ImportArchive(input, "in.tar"));
        Assert.Equal(2, ManifestOf(image).Layers.Count(l => l.Digest == Digest.Compute(Layer1)));
    }

    [Fact]
    public void Docker_25_layout_with_blobs_is_read_through_manifest_json()
    {
        var config = Encoding.UTF8.GetBytes(Config(Layer1));
        string Blob(byte[] b) => $"blobs/sha256/{Digest.Compute(b).Encoded}";
        var image = Assert.Single(Import([
            (Blob(Layer1), Layer1),
            (Blob(config), config),
            ("oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray()),
            Manifest($$"""[{"Config":"{{Blob(config)}}","RepoTags":["x:y"],"Layers":["{{Blob(Layer1)}}"]}]"""),
        ]));
        Assert.Equal(Digest.Compute(config), ManifestOf(image).Config!.Digest);
    }

    [Fact]
    public void A_layer_path_climbing_out_of_the_archive_is_refused()
    {
        var members = Legacy();
        members[^1] = Manifest("""[{"Config":"cfg.json","RepoTags":null,"Layers":["../x.tar","l1/layer.tar"]}]""");
        Assert.Equal("docker-archive in.tar: manifest.json: [0].Layers[0]: \"../x.tar\" escapes the archive", Refused(members).Message);
    }

    [Fact]
    public void An_absolute_config_path_is_refused()
    {
        var members = Legacy();
        members[^1] = Manifest("""[{"Config":"/etc/passwd","RepoTags":null,"Layers":[]}]""");
        Assert.Equal("docker-archive in.tar: manifest.json: [0].Config: \"/etc/passwd\" escapes the archive", Refused(members).Message);
    }

    [Fact]
    public void A_symlinked_layer_pointing_outside_the_archive_is_refused()
    {
        TestImage.WriteTar(_dir["in.tar"], [.. Legacy()]);
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "l9/layer.tar") { LinkName = "../../etc/shadow" });
        buffer.Position = 0;
        var e = Assert.Throws<ArchiveFormatException>(() => new DockerArchiveImporter(_target.Store).ImportArchive(buffer, "in.tar"));
        Assert.Equal("docker-archive in.tar: l9/layer.tar: link to \"../../etc/shadow\" escapes the archive", e.Message);
    }

    [Fact]
    public void A_missing_layer_is_named()
    {
        var members = Legacy();
        members.RemoveAt(1);
        Assert.Equal("docker-archive in.tar: manifest.json: [0].Layers[1]: \"l1/layer.tar\" not found in the archive", Refused(members).Message);
    }

    [Fact]
    public void A_layer_that_does_not_match_its_diff_id_is_refused()
    {
        var members = Legacy();
        members[1] = ("l1/layer.tar", TestImage.Tar(("etc/evil", "x"u8.ToArray())));
        Assert.StartsWith("docker-archive in.tar: manifest.json: [0].Layers[1]: \"l1/layer.tar\" has diff id sha256:", Refused(members).Message);
    }

    [Fact]
    public void A_blob_whose_content_does_not_match_its_name_is_refused()
    {
        var name = $"blobs/sha256/{Digest.Compute(Layer1).Encoded}";
        var e = Refused([(name, Layer2), Manifest("[]")]);
        Assert.StartsWith($"docker-archive in.tar: {name}: blob {Digest.Compute(Layer1)}: content has digest", e.Message);
    }

    [Fact]
    public void A_manifest_json_over_4_MiB_is_refused()
    {
        var members = Legacy();
        members[^1] = Manifest("[]" + new string(' ', 4 << 20));
        Assert.Matches(@"^docker-archive in\.tar: manifest\.json: size \d+ exceeds 4 MiB limit$", Refused(members).Message);
    }

    [Fact]
    public void An_archive_without_manifest_json_is_refused()
    {
        Assert.Equal("docker-archive in.tar: manifest.json: missing", Refused(Legacy().SkipLast(1)).Message);
    }

    [Fact]
    public void A_wrongly_typed_manifest_json_field_is_refused_with_its_path()
    {
        var members = Legacy();
        members[^1] = Manifest("""[{"Config":"cfg.json","RepoTags":"busybox","Layers":[]}]""");
        Assert.Equal("docker-archive in.tar: manifest.json: [0].RepoTags: must be an array of strings", Refused(members).Message);
    }

    [Fact]
    public void Exported_archive_imports_back_with_uncompressed_layers_matching_the_diff_ids()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        using var buffer = new MemoryStream();
        new DockerArchiveExporter(_source.Store).ExportToArchive([new ExportImage("docker.io/library/small:1.0", manifest)], buffer);
        buffer.Position = 0;
        var image = Assert.Single(new DockerArchiveImporter(_target.Store).ImportArchive(buffer, "out.tar"));
        Assert.Equal("small:1.0", image.Name);
        Assert.Equal([Digest.Compute(Layer1), Digest.Compute(Layer2)], ManifestOf(image).Layers.Select(l => l.Digest));
    }

    [Fact]
    public void Exported_directory_has_the_legacy_layout()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        new DockerArchiveExporter(_source.Store).ExportToDirectory([new ExportImage("small:latest", manifest)], _dir["out"]);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(_dir["out/manifest.json"]));
        var entry = doc.RootElement[0];
        Assert.Equal("small:latest", entry.GetProperty("RepoTags")[0].GetString());
        Assert.Equal($"{Digest.Compute(Layer1).Encoded}/layer.tar", entry.GetProperty("Layers")[0].GetString());
        Assert.Equal(Layer1, File.ReadAllBytes(_dir[$"out/{Digest.Compute(Layer1).Encoded}/layer.tar"]));
        Assert.True(File.Exists(_dir[$"out/{entry.GetProperty("Config").GetString()}"]));
        Assert.True(File.Exists(_dir["out/repositories"]));
    }

    [Fact]
    public void Export_refuses_a_layer_whose_content_does_not_match_the_diff_id()
    {
        var layer = TestImage.Put(_source.Store, MediaTypes.OciLayerGzip, TestImage.Gzip(Layer1));
        var config = TestImage.Put(_source.Store, MediaTypes.OciConfig, Encoding.UTF8.GetBytes(Config(Layer2)));
        var manifest = TestImage.Put(_source.Store, MediaTypes.OciManifest, Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"config":{{TestImage.Json(config)}},"layers":[{{TestImage.Json(layer)}}]}"""));
        var e = Assert.Throws<ArchiveFormatException>(() =>
            new DockerArchiveExporter(_source.Store).ExportToArchive([new ExportImage("x:y", manifest)], Stream.Null));
        Assert.Equal($"docker-archive export: layer {layer.Digest}: uncompressed digest {Digest.Compute(Layer1)} does not match diff id {Digest.Compute(Layer2)}", e.Message);
    }

    [Fact]
    public void Exporting_one_image_under_two_names_writes_one_entry_with_both_tags()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        new DockerArchiveExporter(_source.Store).ExportToDirectory([new ExportImage("a:1", manifest), new ExportImage("b:2", manifest)], _dir["out"]);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(_dir["out/manifest.json"]));
        var entry = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal(["a:1", "b:2"], entry.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public void Exported_images_sharing_a_layer_carry_it_once()
    {
        var first = TestImage.Build(_source.Store, Layer1);
        var second = TestImage.Build(_source.Store, Layer1, Layer2);
        using var buffer = new MemoryStream();
        new DockerArchiveExporter(_source.Store).ExportToArchive([new ExportImage("a:1", first), new ExportImage("b:2", second)], buffer);
        buffer.Position = 0;
        var names = new List<string>();
        using (var reader = new TarReader(buffer, leaveOpen: true))
        {
            while (reader.GetNextEntry() is { } entry)
                names.Add(entry.Name);
        }
        Assert.Single(names, n => n == $"{Digest.Compute(Layer1).Encoded}/layer.tar");
        buffer.Position = 0;
        Assert.Equal(["a:1", "b:2"], new DockerArchiveImporter(_target.Store).ImportArchive(buffer, "out.tar").Select(i => i.Name));
    }

    [Fact]
    public void Skopeo_style_layers_named_hex_dot_tar_are_read()
    {
        var config = Encoding.UTF8.GetBytes(Config(Layer1));
        var layer = $"{Digest.Compute(Layer1).Encoded}.tar";
        var image = Assert.Single(Import([
            (layer, Layer1),
            ($"{Digest.Compute(config).Encoded}.json", config),
            Manifest($$"""[{"Config":"{{Digest.Compute(config).Encoded}}.json","RepoTags":["x:y"],"Layers":["{{layer}}"]}]"""),
        ]));
        Assert.Equal(Digest.Compute(Layer1), ManifestOf(image).Layers[0].Digest);
    }

    [Fact]
    public void An_archive_cut_inside_a_layer_is_refused_and_leaves_no_ingest()
    {
        var layer = new byte[100_000];
        new Random(3).NextBytes(layer);
        TestImage.WriteTar(_dir["cut.tar"], ("l0/layer.tar", layer));
        var cut = File.ReadAllBytes(_dir["cut.tar"])[..50_000];
        var e = Assert.Throws<ArchiveFormatException>(() => new DockerArchiveImporter(_target.Store).ImportArchive(new MemoryStream(cut), "cut.tar"));
        Assert.StartsWith("docker-archive cut.tar: l0/layer.tar: ", e.Message);
        Assert.Empty(_target.Store.ListIngests());
        Assert.Empty(_target.Store.Walk());
    }

    [Fact]
    public void Export_streams_to_an_output_that_cannot_seek()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var pipe = new PipeStream();
        new DockerArchiveExporter(_source.Store).ExportToArchive([new ExportImage("small:latest", manifest)], pipe);
        var image = Assert.Single(new DockerArchiveImporter(_target.Store).ImportArchive(new MemoryStream(pipe.Written), "pipe.tar"));
        Assert.Equal(2, ManifestOf(image).Layers.Count);
    }

    [Fact]
    public void An_exported_directory_imports_back()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        new DockerArchiveExporter(_source.Store).ExportToDirectory([new ExportImage("small:latest", manifest)], _dir["out"]);
        var image = Assert.Single(new DockerArchiveImporter(_target.Store).ImportDirectory(_dir["out"]));
        Assert.Equal("small:latest", image.Name);
    }

    [Fact]
    public void Export_of_an_index_writes_the_manifest_for_the_requested_platform()
    {
        var arm = TestImage.Build(_source.Store, Layer1);
        var amd = TestImage.Build(_source.Store, Layer2);
        var index = TestImage.Put(_source.Store, MediaTypes.OciIndex, Encoding.UTF8.GetBytes($$$"""
            {"schemaVersion":2,"manifests":[
              {"mediaType":"{{{arm.MediaType}}}","digest":"{{{arm.Digest}}}","size":{{{arm.Size}}},"platform":{"os":"linux","architecture":"arm64"}},
              {"mediaType":"{{{amd.MediaType}}}","digest":"{{{amd.Digest}}}","size":{{{amd.Size}}},"platform":{"os":"linux","architecture":"amd64"}}]}
            """));
        new DockerArchiveExporter(_source.Store, Platform.Parse("linux/arm64")).ExportToDirectory([new ExportImage("multi:1", index)], _dir["out"]);
        Assert.True(Directory.Exists(_dir[$"out/{Digest.Compute(Layer1).Encoded}"]));
        Assert.False(Directory.Exists(_dir[$"out/{Digest.Compute(Layer2).Encoded}"]));
    }

    [Fact]
    public void A_gzip_compressed_archive_is_read_as_docker_load_does()
    {
        TestImage.WriteTar(_dir["in.tar"], [.. Legacy()]);
        var gz = TestImage.Gzip(File.ReadAllBytes(_dir["in.tar"]));
        Assert.Equal("busybox:latest", Assert.Single(new DockerArchiveImporter(_target.Store).ImportArchive(new MemoryStream(gz), "in.tar.gz")).Name);
    }

    [Fact]
    public void Import_leaves_the_callers_stream_open()
    {
        TestImage.WriteTar(_dir["in.tar"], [.. Legacy()]);
        using var file = File.OpenRead(_dir["in.tar"]);
        new DockerArchiveImporter(_target.Store).ImportArchive(file, "in.tar");
        Assert.True(file.CanRead);
    }
}
