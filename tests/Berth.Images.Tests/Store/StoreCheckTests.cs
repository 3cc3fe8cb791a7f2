using Berth.Images.Snapshots;
using Berth.Images.Store;
using Berth.Images.Tests.Layers;

namespace Berth.Images.Tests.Store;

public sealed class StoreCheckTests : ImageStoreTest
{
    private static LayerTar Base => new LayerTar().Dir("etc").File("etc/os-release", "ID=test\n");

    private ResolvedImage Unpacked(string name) =>
        Store.Unpack(Store.Register(name, TestImage.Write(Store, Base, new LayerTar().File("app", name))));

    private string SnapshotsDir => Path.Combine(((DirectorySnapshotter)Store.Snapshotter).Home, "snapshots");

    [Fact]
    public void AStore_with_an_unpacked_image_is_clean()
    {
        Unpacked("docker.io/library/app:v1");

        var report = StoreCheck.Run(Store, repair: false);

        Assert.Empty(report.Problems);
        Assert.True(report.Clean);
    }

    [Fact]
    public void A_corrupted_blob_is_found_and_repair_deletes_it()
    {
        var image = Unpacked("docker.io/library/app:v1");
        var layer = image.ManifestDocument.Layers[1].Digest;
        var path = Store.Content.BlobPath(layer);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
            f.Write("rot"u8);

        var found = StoreCheck.Run(Store, repair: false);
        var repaired = StoreCheck.Run(Store, repair: true);

        Assert.Contains($"blob {layer}: content does not match its digest", found.Problems);
        Assert.Contains($"removed blob {layer}: content does not match its digest", repaired.Repaired);
        Assert.False(Store.Content.Exists(layer));
        // The image now lacks the blob: repair cannot bring it back, so that stays a problem.
        Assert.Equal([$"image app:v1: layer blob {layer} is missing"], repaired.Problems);
    }

    [Fact]
    public void A_missing_layer_blob_names_the_image_and_the_blob()
    {
        var image = Unpacked("docker.io/library/app:v1");
        var layer = image.ManifestDocument.Layers[0].Digest;
        Store.Content.Delete(layer);

        var report = StoreCheck.Run(Store, repair: false);

        Assert.Equal([$"image app:v1: layer blob {layer} is missing"], report.Problems);
    }

    [Fact]
    public void A_missing_manifest_names_the_image()
    {
        var record = Store.Register("docker.io/library/app:v1", TestImage.Write(Store, Base));
        Store.Content.Delete(record.Target);

        var problem = Assert.Single(StoreCheck.Run(Store, repair: false).Problems);

        Assert.StartsWith("image app:v1: ", problem);
        Assert.Contains(record.Target.ToString(), problem);
    }

    [Fact]
    public void An_orphan_snapshot_directory_is_found_and_removed_by_repair()
    {
        Unpacked("docker.io/library/app:v1");
        var orphan = Path.Combine(SnapshotsDir, "999");
        Directory.CreateDirectory(Path.Combine(orphan, "fs"));

        var found = StoreCheck.Run(Store, repair: false);
        var repaired = StoreCheck.Run(Store, repair: true);

        Assert.Equal([$"snapshot directory {orphan}: unknown to the database"], found.Problems);
        Assert.Equal([$"removed snapshot directory {orphan}: unknown to the database"], repaired.Repaired);
        Assert.True(repaired.Clean);
        Assert.False(Directory.Exists(orphan));
    }

    [Fact]
    public void A_leftover_extract_snapshot_is_removed_by_repair()
    {
        var image = Unpacked("docker.io/library/app:v1");
        var key = $"{LayerUnpacker.ExtractPrefix}0123456789abcdef-{image.ChainIds[1]}";
        Store.Snapshotter.Prepare(key, image.ChainIds[0].ToString());

        var found = StoreCheck.Run(Store, repair: false);
        var repaired = StoreCheck.Run(Store, repair: true);

        Assert.Equal([$"snapshot {key}: left by an interrupted unpack"], found.Problems);
        Assert.True(repaired.Clean);
        Assert.DoesNotContain(Store.Snapshotter.Walk(), s => s.Key == key);
        Assert.Equal(2, Directory.EnumerateDirectories(SnapshotsDir).Count());
    }

    [Fact]
    public void A_container_snapshot_is_not_a_leftover()
    {
        var image = Unpacked("docker.io/library/app:v1");
        Store.Snapshotter.Prepare("container-1", image.TopSnapshot);

        Assert.True(StoreCheck.Run(Store, repair: true).Clean);
        Assert.Contains(Store.Snapshotter.Walk(), s => s.Key == "container-1");
    }

    [Fact]
    public void An_interrupted_ingest_is_found_and_removed_by_repair_but_a_live_one_is_left()
    {
        using (var abandoned = Store.Content.OpenWriter("abandoned", 10))
            abandoned.Write("half"u8);
        using var live = Store.Content.OpenWriter("live", 10);

        var found = StoreCheck.Run(Store, repair: false);
        var repaired = StoreCheck.Run(Store, repair: true);

        Assert.Equal(["ingest abandoned: interrupted write left (4 of 10 bytes)"], found.Problems);
        Assert.Equal(["removed ingest abandoned: interrupted write left (4 of 10 bytes)"], repaired.Repaired);
        Assert.True(repaired.Clean);
        Assert.Equal(["live"], Store.Content.ListIngests().Select(i => i.Reference));
    }
}
