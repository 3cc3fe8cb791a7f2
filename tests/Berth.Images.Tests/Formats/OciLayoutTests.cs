using System.Formats.Tar;
using System.Text;
using Berth.Images.Content;
using Berth.Images.Formats;
using Berth.Images.Oci;
using Berth.Images.Tests.Content;

namespace Berth.Images.Tests.Formats;

public sealed class OciLayoutTests : IDisposable
{
    private readonly StoreFixture _source = new();
    private readonly StoreFixture _target = new();
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        _source.Dispose();
        _target.Dispose();
        _dir.Dispose();
    }

    private byte[] ExportTar(params ExportImage[] images)
    {
        using var buffer = new MemoryStream();
        new OciLayoutExporter(_source.Store).ExportToArchive(images, buffer);
        return buffer.ToArray();
    }

    private IReadOnlyList<ImportedImage> ImportTar(byte[] tar) =>
        new OciLayoutImporter(_target.Store).ImportArchive(new MemoryStream(tar), "test.tar");

    private static List<string> Names(byte[] tar)
    {
        var names = new List<string>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
            names.Add(entry.Name);
        return names;
    }

    private static string Layout(string version = OciLayout.Version) => $$"""{"imageLayoutVersion":"{{version}}"}""";

    private static string Index(Descriptor d, string annotations = "") =>
        $$"""{"schemaVersion":2,"manifests":[{"mediaType":"{{d.MediaType}}","digest":"{{d.Digest}}","size":{{d.Size}}{{annotations}}}]}""";

    /// <summary>The members of a hand-made layout: oci-layout, index.json and the blobs of <paramref name="manifest"/>.</summary>
    private List<(string, byte[])> Members(Descriptor manifest, string? layout = null, string? index = null)
    {
        var members = new List<(string, byte[])> { ("oci-layout", Encoding.UTF8.GetBytes(layout ?? Layout())), ("index.json", Encoding.UTF8.GetBytes(index ?? Index(manifest))) };
        foreach (var blob in _source.Store.Walk())
            members.Add(($"blobs/sha256/{blob.Digest.Encoded}", _source.Store.ReadAllBytes(blob.Digest, long.MaxValue)));
        return members;
    }

    private ArchiveFormatException Refused(IEnumerable<(string, byte[])> members)
    {
        TestImage.WriteTar(_dir["bad.tar"], [.. members]);
        using var file = File.OpenRead(_dir["bad.tar"]);
        return Assert.Throws<ArchiveFormatException>(() => new OciLayoutImporter(_target.Store).ImportArchive(file, "bad.tar"));
    }

    [Fact]
    public void Exported_archive_imports_into_another_store_with_every_blob()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var images = ImportTar(ExportTar(new ExportImage("docker.io/library/small:1.0", manifest)));
        var image = Assert.Single(images);
        Assert.Equal(("docker.io/library/small:1.0", manifest.Digest), (image.Name, image.Target.Digest));
        Assert.Equal(_source.Store.Walk().Select(b => b.Digest.ToString()).Order(), _target.Store.Walk().Select(b => b.Digest.ToString()).Order());
    }

    [Fact]
    public void Exported_archive_lists_oci_layout_then_index_then_blobs()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var names = Names(ExportTar(new ExportImage("small:latest", manifest)));
        Assert.Equal(["oci-layout", "index.json", "blobs/", "blobs/sha256/", $"blobs/sha256/{manifest.Digest.Encoded}"], names.Take(5));
        Assert.Equal(4, names.Count(n => n.StartsWith("blobs/sha256/", StringComparison.Ordinal) && n.Length > 13));
    }

    [Fact]
    public void Exporting_twice_gives_identical_bytes()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        Assert.Equal(ExportTar(new ExportImage("small:latest", manifest)), ExportTar(new ExportImage("small:latest", manifest)));
    }

    [Fact]
    public void Exported_members_have_fixed_modes_owner_and_mtime()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        using var reader = new TarReader(new MemoryStream(ExportTar(new ExportImage("small:latest", manifest))));
        while (reader.GetNextEntry() is { } entry)
        {
            var expected = entry.EntryType == TarEntryType.Directory ? "755" : "644";
            Assert.Equal(expected, Convert.ToString((int)entry.Mode, 8));
            Assert.Equal((0, 0, DateTimeOffset.UnixEpoch), (entry.Uid, entry.Gid, entry.ModificationTime));
        }
    }

    [Fact]
    public void Index_json_carries_the_tag_and_the_full_name()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        new OciLayoutExporter(_source.Store).ExportToDirectory([new ExportImage("registry.example:5000/team/app:v2", manifest)], _dir["layout"]);
        var index = ManifestParser.ParseIndex(File.ReadAllBytes(_dir["layout/index.json"]), manifest.Digest);
        var annotations = Assert.Single(index.Manifests).Annotations!;
        Assert.Equal("v2", annotations[OciLayout.RefNameAnnotation]);
        Assert.Equal("registry.example:5000/team/app:v2", annotations[OciLayout.ImageNameAnnotation]);
    }

    [Fact]
    public void Exported_directory_imports_back()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        new OciLayoutExporter(_source.Store).ExportToDirectory([new ExportImage("small:latest", manifest)], _dir["layout"]);
        var image = Assert.Single(new OciLayoutImporter(_target.Store).ImportDirectory(_dir["layout"]));
        Assert.Equal(manifest.Digest, image.Target.Digest);
        Assert.True(_target.Store.Exists(manifest.Digest));
    }

    [Fact]
    public void Blobs_may_come_before_index_json_in_the_tar()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var members = Members(manifest);
        members.Reverse();
        TestImage.WriteTar(_dir["reversed.tar"], [.. members]);
        using var file = File.OpenRead(_dir["reversed.tar"]);
        Assert.Single(new OciLayoutImporter(_target.Store).ImportArchive(file, "reversed.tar"));
    }

    [Fact]
    public void A_bare_ref_name_annotation_is_returned_as_given()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var index = Index(manifest, $$""","annotations":{"{{OciLayout.RefNameAnnotation}}":"latest"}""");
        TestImage.WriteTar(_dir["a.tar"], [.. Members(manifest, index: index)]);
        using var file = File.OpenRead(_dir["a.tar"]);
        Assert.Equal("latest", Assert.Single(new OciLayoutImporter(_target.Store).ImportArchive(file, "a.tar")).Name);
    }

    [Fact]
    public void Unknown_top_level_files_are_ignored()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var members = Members(manifest);
        members.Add(("README", "hi"u8.ToArray()));
        TestImage.WriteTar(_dir["a.tar"], [.. members]);
        using var file = File.OpenRead(_dir["a.tar"]);
        Assert.Single(new OciLayoutImporter(_target.Store).ImportArchive(file, "a.tar"));
    }

    [Fact]
    public void A_missing_layer_blob_is_named()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var layer = ManifestParser.ParseManifest(_source.Store.ReadAllBytes(manifest.Digest, 1 << 20), manifest.Digest).Layers[1];
        var e = Refused(Members(manifest).Where(m => !m.Item1.EndsWith(layer.Digest.Encoded, StringComparison.Ordinal)));
        Assert.Equal($"oci-archive bad.tar: blob {layer.Digest} (layers[1] of manifest {manifest.Digest}) is missing", e.Message);
    }

    [Fact]
    public void A_blob_whose_content_does_not_match_its_name_is_refused_and_not_stored()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var members = Members(manifest);
        var victim = members.FindIndex(m => m.Item1 != "oci-layout" && m.Item1 != "index.json" && m.Item1 != $"blobs/sha256/{manifest.Digest.Encoded}");
        var name = members[victim].Item1;
        var tampered = (byte[])members[victim].Item2.Clone();
        tampered[^1] ^= 1;
        members[victim] = (name, tampered);
        var e = Refused(members);
        Assert.StartsWith($"oci-archive bad.tar: {name}: blob sha256:{name[13..]}: content has digest", e.Message);
        Assert.False(_target.Store.Exists(Digest.Parse("sha256:" + name[13..])));
    }

    [Fact]
    public void An_unknown_layout_version_is_refused()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var e = Refused(Members(manifest, layout: Layout("2.0.0")));
        Assert.Equal("oci-archive bad.tar: oci-layout: unsupported imageLayoutVersion \"2.0.0\", expected \"1.0.0\"", e.Message);
    }

    [Fact]
    public void A_layout_without_oci_layout_is_refused()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var e = Refused(Members(manifest).Where(m => m.Item1 != "oci-layout"));
        Assert.Equal("oci-archive bad.tar: oci-layout: missing", e.Message);
    }

    [Fact]
    public void An_index_json_over_4_MiB_is_refused_before_it_is_read()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var e = Refused(Members(manifest, index: Index(manifest) + new string(' ', 4 << 20)));
        Assert.Matches(@"^oci-archive bad\.tar: index\.json: size \d+ exceeds 4 MiB limit$", e.Message);
    }

    [Fact]
    public void An_entry_climbing_out_of_the_archive_is_refused()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var members = Members(manifest);
        members.Insert(0, ("../evil", "x"u8.ToArray()));
        Assert.Equal("oci-archive bad.tar: entry \"../evil\" escapes the archive", Refused(members).Message);
    }

    [Fact]
    public void A_blob_name_that_is_not_a_digest_is_refused()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var members = Members(manifest);
        members.Add(("blobs/sha256/nothex", "x"u8.ToArray()));
        Assert.Equal("oci-archive bad.tar: blobs/sha256/nothex: not a blob path blobs/<algorithm>/<digest>", Refused(members).Message);
    }

    [Fact]
    public void Export_of_an_image_with_a_missing_blob_fails_naming_it()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var config = ManifestParser.ParseManifest(_source.Store.ReadAllBytes(manifest.Digest, 1 << 20), manifest.Digest).Config!;
        _source.Store.Delete(config.Digest);
        var e = Assert.Throws<ArchiveFormatException>(() => ExportTar(new ExportImage("small:latest", manifest)));
        Assert.Equal($"oci export: blob {config.Digest} (config of manifest {manifest.Digest}) is missing", e.Message);
    }

    /// <summary>An index with the small image for the host, and an entry for another platform whose manifest is not in the store.</summary>
    private Descriptor MultiPlatformIndex()
    {
        var host = TestImage.BuildSmall(_source.Store);
        var absent = Digest.Compute("not pulled"u8);
        var other = Platform.Host.Architecture == "s390x" ? "ppc64le" : "s390x";
        return TestImage.Put(_source.Store, MediaTypes.OciIndex, Encoding.UTF8.GetBytes($$$"""
            {"schemaVersion":2,"mediaType":"{{{MediaTypes.OciIndex}}}","manifests":[
              {"mediaType":"{{{host.MediaType}}}","digest":"{{{host.Digest}}}","size":{{{host.Size}}},"platform":{"os":"linux","architecture":"{{{Platform.Host.Architecture}}}"}},
              {"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"{{{absent}}}","size":10,"platform":{"os":"linux","architecture":"{{{other}}}"}}]}
            """));
    }

    [Fact]
    public void Export_for_one_platform_leaves_out_the_manifests_of_others()
    {
        var index = MultiPlatformIndex();
        using var buffer = new MemoryStream();
        new OciLayoutExporter(_source.Store, Platform.Host).ExportToArchive([new ExportImage("multi:latest", index)], buffer);
        buffer.Position = 0;
        var image = Assert.Single(new OciLayoutImporter(_target.Store, Platform.Host).ImportArchive(buffer, "multi.tar"));
        Assert.Equal(index.Digest, image.Target.Digest);
    }

    [Fact]
    public void Export_for_all_platforms_needs_every_platform_in_the_store()
    {
        var index = MultiPlatformIndex();
        var e = Assert.Throws<ArchiveFormatException>(() => ExportTar(new ExportImage("multi:latest", index)));
        Assert.StartsWith("oci export: blob sha256:", e.Message);
        Assert.EndsWith($"(manifests[1] of index {index.Digest}) is missing", e.Message);
    }

    [Fact]
    public void Images_sharing_blobs_are_exported_with_each_blob_once()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var names = Names(ExportTar(new ExportImage("a:1", manifest), new ExportImage("b:2", manifest)));
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(2, ImportTar(ExportTar(new ExportImage("a:1", manifest), new ExportImage("b:2", manifest))).Count);
    }

    [Fact]
    public void A_truncated_archive_is_refused_naming_the_archive()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var tar = ExportTar(new ExportImage("small:latest", manifest));
        var e = Assert.Throws<ArchiveFormatException>(() => ImportTar(tar[..(tar.Length / 2)]));
        Assert.StartsWith("oci-archive test.tar: ", e.Message);
    }

    [Fact]
    public void An_archive_cut_inside_a_blob_is_refused_and_the_blob_not_stored()
    {
        var blob = new byte[100_000];
        new Random(2).NextBytes(blob);
        var digest = Digest.Compute(blob);
        TestImage.WriteTar(_dir["cut.tar"], ($"blobs/sha256/{digest.Encoded}", blob));
        var cut = File.ReadAllBytes(_dir["cut.tar"])[..50_000];
        var e = Assert.Throws<ArchiveFormatException>(() => ImportTar(cut));
        Assert.StartsWith($"oci-archive test.tar: blobs/sha256/{digest.Encoded}: ", e.Message);
        Assert.False(_target.Store.Exists(digest));
    }

    [Fact]
    public void Export_streams_to_an_output_that_cannot_seek()
    {
        var manifest = TestImage.BuildSmall(_source.Store);
        var pipe = new PipeStream();
        new OciLayoutExporter(_source.Store).ExportToArchive([new ExportImage("small:latest", manifest)], pipe);
        Assert.Equal(ExportTar(new ExportImage("small:latest", manifest)), pipe.Written);
    }
}
