using System.Formats.Tar;
using System.IO.Compression;
using Berth.Images.Content;
using Berth.Images.Formats;
using Berth.Images.Layers;
using Berth.Images.Oci;
using Berth.Images.Snapshots;
using Berth.Images.Store;
using Berth.Images.Tests.Layers;

namespace Berth.Images.Tests.Store;

/// <summary>
/// docker load of OCI archives and docker-archives end to end. An uncompressed archive or a directory
/// is read at random, its layers stored by the unpack as it extracts them; a compressed one is streamed.
/// Either way the store ends with every blob, every layer, the name, and nothing half done.
/// </summary>
public sealed class ImageArchivesLoadTests : ImageStoreTest
{
    private static LayerTar Base => new LayerTar().Dir("etc").File("etc/os-release", "ID=test\n");

    private string SaveArchive(params LayerTar[] layers) => SaveArchive(ArchiveFormat.OciArchive, layers);

    private string SaveArchive(ArchiveFormat format, params LayerTar[] layers)
    {
        using var source = ImageStore.Open(Path.Combine(Root, "source"));
        source.Register("docker.io/library/app:v1", TestImage.Write(source, layers));
        var path = Path.Combine(Root, $"app-{Guid.NewGuid():N}.tar");
        using (var file = File.Create(path))
            ImageArchives.Save(source, ["app:v1"], file, format);
        return path;
    }

    private void AssertNothingHalfDone()
    {
        Assert.Empty(Store.Content.ListIngests());
        Assert.All(Store.Snapshotter.Walk(), s => Assert.Equal(SnapshotKind.Committed, s.Kind));
    }

    [Theory]
    [InlineData(ArchiveFormat.OciArchive, "tar")]
    [InlineData(ArchiveFormat.OciArchive, "gzip")]
    [InlineData(ArchiveFormat.OciArchive, "directory")]
    [InlineData(ArchiveFormat.DockerArchive, "tar")]
    [InlineData(ArchiveFormat.DockerArchive, "gzip")]
    [InlineData(ArchiveFormat.DockerArchive, "directory")]
    public void Load_stores_every_blob_unpacks_every_layer_and_names_the_image(ArchiveFormat format, string form)
    {
        var archive = SaveArchive(format, Base, new LayerTar().File("app", "1"), new LayerTar().File("etc/.wh.os-release"));
        var path = form switch
        {
            "gzip" => Gzip(archive),
            "directory" => Extract(archive),
            _ => archive,
        };

        // A compressed archive is not scanned for its format: docker load's is assumed unless told.
        var lines = ImageArchives.Load(Store, path, form == "gzip" ? format : ArchiveFormat.Auto);

        Assert.Equal(["Loaded image: app:v1"], lines);
        var image = Store.Resolve(Store.Find("app:v1"));
        Assert.All(image.ManifestDocument.Layers, l => Assert.True(Store.Content.Verify(l.Digest)));
        Assert.Equal(3, Store.Snapshotter.Walk().Count);
        Assert.Equal(image.ChainIds[^1].ToString(), image.TopSnapshot);
        AssertNothingHalfDone();
    }

    [Theory]
    [InlineData(ArchiveFormat.OciArchive)]
    [InlineData(ArchiveFormat.DockerArchive)]
    public void A_layer_whose_bytes_do_not_match_its_digest_fails_the_load_names_it_and_stores_nothing_of_it(ArchiveFormat format)
    {
        var archive = SaveArchive(format, Base, new LayerTar().File("app", "1"));
        var (member, layer) = LayerMembers(archive)[1];
        // An uncompressed layer gets a byte of its file's content changed (the tar stays valid, the
        // layer does not), a gzip one a byte of its trailer.
        RewriteMember(archive, member, data =>
        {
            var header = data.AsSpan().IndexOf("app\0"u8);
            data[header >= 0 ? header + 512 : data.Length - 1] ^= 1;
        });

        var e = Assert.ThrowsAny<Exception>(() => ImageArchives.Load(Store, archive));

        Assert.True(e is LayerException or ContentException, e.ToString());
        Assert.Contains(layer.ToString(), e.Message);
        Assert.Empty(Store.List());
        Assert.False(Store.Content.Exists(layer));
        AssertNothingHalfDone();
    }

    [Theory]
    [InlineData(ArchiveFormat.OciArchive, "blob {1} (layers[0] of manifest")]
    [InlineData(ArchiveFormat.DockerArchive, "manifest.json: [0].Layers[0]: \"{0}\" not found in the archive")]
    public void A_layer_missing_from_the_archive_is_named_before_anything_is_unpacked(ArchiveFormat format, string message)
    {
        var archive = SaveArchive(format, Base, new LayerTar().File("app", "1"));
        var (member, layer) = LayerMembers(archive)[0];
        RewriteMember(archive, member, null);

        var e = Assert.Throws<ArchiveFormatException>(() => ImageArchives.Load(Store, archive));

        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, member, layer), e.Message);
        Assert.Empty(Store.Snapshotter.Walk());
        AssertNothingHalfDone();
    }

    [Theory]
    [InlineData(ArchiveFormat.OciArchive)]
    [InlineData(ArchiveFormat.DockerArchive)]
    public void An_archive_cut_inside_a_layer_is_refused(ArchiveFormat format)
    {
        var archive = SaveArchive(format, Base, new LayerTar().File("big", new string('x', 200_000)));
        var bytes = File.ReadAllBytes(archive);
        var (member, _) = LayerMembers(archive)[1];
        using (var file = File.Create(archive))
            file.Write(bytes.AsSpan(0, IndexOfMember(bytes, member) + 1024));

        Assert.ThrowsAny<Exception>(() => ImageArchives.Load(Store, archive));

        Assert.Empty(Store.List());
        AssertNothingHalfDone();
    }

    [Theory]
    [InlineData(ArchiveFormat.OciArchive)]
    [InlineData(ArchiveFormat.DockerArchive)]
    public void A_layer_already_unpacked_by_another_image_is_still_stored_from_the_archive(ArchiveFormat format)
    {
        var first = SaveArchive(format, Base);
        ImageArchives.Load(Store, first);
        var baseLayer = LayerMembers(first)[0].Digest;
        Assert.True(Store.Content.Delete(baseLayer));

        ImageArchives.Load(Store, SaveArchive(format, Base, new LayerTar().File("app", "2")));

        Assert.True(Store.Content.Verify(baseLayer));
        AssertNothingHalfDone();
    }

    /// <summary>The archive member of each layer, with the digest the layer is stored under.</summary>
    private static List<(string Member, Digest Digest)> LayerMembers(string archive)
    {
        var members = ReadMembers(archive);
        if (members.TryGetValue("manifest.json", out var manifestJson))
        {
            using var json = System.Text.Json.JsonDocument.Parse(manifestJson);
            return json.RootElement[0].GetProperty("Layers").EnumerateArray()
                .Select(l => (l.GetString()!, Digest.Compute(members[l.GetString()!]))).ToList();
        }
        var index = ManifestParser.ParseIndex(members["index.json"], Digest.Compute(members["index.json"]), MediaTypes.OciIndex);
        var manifest = index.Manifests[0].Digest;
        return ManifestParser.ParseManifest(members[$"blobs/sha256/{manifest.Encoded}"], manifest).Layers
            .Select(l => ($"blobs/sha256/{l.Digest.Encoded}", l.Digest)).ToList();
    }

    private static Dictionary<string, byte[]> ReadMembers(string archive)
    {
        var members = new Dictionary<string, byte[]>();
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null)
                continue;
            var data = new MemoryStream();
            entry.DataStream.CopyTo(data);
            members[entry.Name] = data.ToArray();
        }
        return members;
    }

    /// <summary>Rewrites the archive with member <paramref name="name"/> changed in place, or left out when <paramref name="change"/> is null.</summary>
    private static void RewriteMember(string archive, string name, Action<byte[]>? change)
    {
        var copy = archive + ".new";
        using (var reader = new TarReader(File.OpenRead(archive)))
        using (var writer = new TarWriter(File.Create(copy), TarEntryFormat.Pax))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                if (entry.Name == name)
                {
                    if (change is null)
                        continue;
                    var data = new MemoryStream();
                    entry.DataStream!.CopyTo(data);
                    var bytes = data.ToArray();
                    change(bytes);
                    entry.DataStream = new MemoryStream(bytes);
                }
                writer.WriteEntry(entry);
            }
        }
        File.Move(copy, archive, overwrite: true);
    }

    private static int IndexOfMember(byte[] tar, string name) =>
        tar.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(name));

    private string Gzip(string archive)
    {
        var path = archive + ".gz";
        using var output = File.Create(path);
        using var gzip = new GZipStream(output, CompressionLevel.Fastest);
        using var input = File.OpenRead(archive);
        input.CopyTo(gzip);
        return path;
    }

    private string Extract(string archive)
    {
        var dir = Path.Combine(Root, $"layout-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        TarFile.ExtractToDirectory(archive, dir, overwriteFiles: false);
        return dir;
    }
}
