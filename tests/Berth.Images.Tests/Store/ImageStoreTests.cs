using Berth.Images.Layers;
using Berth.Images.Snapshots;
using Berth.Images.Store;
using Berth.Images.Tests.Layers;

namespace Berth.Images.Tests.Store;

public sealed class ImageStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("berth-store-").FullName;
    private readonly ImageStore _store;

    public ImageStoreTests()
    {
        _store = ImageStore.Open(_root);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static LayerTar Base => new LayerTar().Dir("etc").File("etc/os-release", "ID=test\n").File("etc/motd", "base\n");

    [Fact]
    public void Unpack_commits_one_snapshot_per_layer_named_by_chain_id()
    {
        var record = _store.Register("docker.io/library/app:v1", TestImage.Write(_store, Base, new LayerTar().File("app", "1")));

        var image = _store.Unpack(record);

        var committed = _store.Snapshotter.Walk().Where(s => s.Kind == SnapshotKind.Committed).Select(s => s.Key).ToList();
        Assert.Equal(image.ChainIds.Select(c => c.ToString()), committed);
        Assert.Equal(image.ChainIds[0].ToString(), _store.Snapshotter.Stat(image.ChainIds[1].ToString()).Parent);
    }

    [Fact]
    public void Two_images_sharing_a_base_unpack_it_once()
    {
        var a = _store.Register("docker.io/library/a:latest", TestImage.Write(_store, Base, new LayerTar().File("a", "a")));
        var b = _store.Register("docker.io/library/b:latest", TestImage.Write(_store, Base, new LayerTar().File("b", "b")));
        var extracted = new List<(int, bool)>();

        _store.Unpack(a);
        _store.Unpack(b, (i, fresh) => extracted.Add((i, fresh)));

        Assert.Equal([(0, false), (1, true)], extracted);
        Assert.Equal(3, _store.Snapshotter.Walk().Count);
    }

    [Fact]
    public void Whiteout_in_an_upper_layer_hides_the_file_in_a_container_view()
    {
        var record = _store.Register("docker.io/library/w:latest", TestImage.Write(_store, Base, new LayerTar().File("etc/.wh.motd")));
        var image = _store.Unpack(record);
        var target = Directory.CreateTempSubdirectory("berth-view-").FullName;
        try
        {
            MountSpec.MountAll(_store.Snapshotter.View("view", image.TopSnapshot), target);
            try
            {
                Assert.True(File.Exists(Path.Combine(target, "etc/os-release")));
                Assert.False(File.Exists(Path.Combine(target, "etc/motd")));
            }
            finally
            {
                MountSpec.Unmount(target);
            }
        }
        finally
        {
            Directory.Delete(target);
        }
    }

    [Fact]
    public void Layer_that_does_not_match_its_diff_id_leaves_no_snapshot()
    {
        var descriptor = TestImage.Write(_store, Base);
        var image = _store.Resolve(_store.Register("docker.io/library/bad:latest", descriptor));
        var forged = image with { DiffIds = [Berth.Images.Content.Digest.Compute("not this layer"u8)] };

        Assert.ThrowsAny<LayerException>(() => new LayerUnpacker(_store.Content, _store.Snapshotter, _store.LayerLimits).Unpack(forged));

        Assert.Empty(_store.Snapshotter.Walk());
    }

    [Fact]
    public void Find_answers_to_names_familiar_names_and_id_prefixes()
    {
        var record = _store.Register("docker.io/library/busybox:latest", TestImage.Write(_store, Base));
        var id = _store.IdOf(record);

        Assert.Equal(record.Name, _store.Find("busybox").Name);
        Assert.Equal(record.Name, _store.Find(id.Encoded[..12]).Name);
        Assert.Equal(record.Name, _store.Find(id.ToString()).Name);
        Assert.Equal("No such image: nope", Assert.Throws<ImageNotFoundException>(() => _store.Find("nope")).Message);
    }

    [Fact]
    public void Tag_adds_a_name_and_remove_by_name_takes_only_that_name()
    {
        _store.Register("docker.io/library/busybox:latest", TestImage.Write(_store, Base));

        _store.Tag("busybox", "localhost:5000/mine:v2");
        var lines = _store.Remove("busybox", force: false);

        Assert.Equal(["Untagged: busybox:latest"], lines);
        Assert.Equal(["localhost:5000/mine:v2"], _store.List().Select(r => r.Name));
    }

    [Fact]
    public void Remove_by_id_of_an_image_with_several_names_needs_force()
    {
        var record = _store.Register("docker.io/library/busybox:latest", TestImage.Write(_store, Base));
        _store.Tag("busybox", "busybox:other");
        var id = _store.IdOf(record).Encoded[..12];

        Assert.Contains("must be forced", Assert.Throws<ImageInUseException>(() => _store.Remove(id, force: false)).Message);
        Assert.Equal(2, _store.Remove(id, force: true).Count);
        Assert.Empty(_store.List());
    }

    [Fact]
    public void Garbage_collection_frees_exactly_what_no_image_uses()
    {
        var a = _store.Register("docker.io/library/a:latest", TestImage.Write(_store, Base, new LayerTar().File("a", "a")));
        var b = _store.Register("docker.io/library/b:latest", TestImage.Write(_store, Base, new LayerTar().File("b", "b")));
        var keep = _store.Unpack(a);
        _store.Unpack(b);
        var blobsBefore = _store.Content.Walk().Count();

        _store.Remove("b", force: false);
        var result = GarbageCollector.Collect(_store);

        Assert.Equal(1, result.Snapshots);
        Assert.Equal(3, result.Blobs);
        Assert.Equal(blobsBefore - 3, _store.Content.Walk().Count());
        Assert.Equal(keep.ChainIds.Select(c => c.ToString()).Order(), _store.Snapshotter.Walk().Select(s => s.Key).Order());
        Assert.Equal(0, GarbageCollector.Collect(_store).Blobs);
    }

    [Fact]
    public void Garbage_collection_keeps_the_chain_under_an_active_snapshot()
    {
        var record = _store.Register("docker.io/library/a:latest", TestImage.Write(_store, Base));
        var image = _store.Unpack(record);
        _store.Snapshotter.Prepare("container-1", image.TopSnapshot);
        _store.Remove("a", force: false);

        var result = GarbageCollector.Collect(_store);

        Assert.Equal(0, result.Snapshots);
        Assert.Equal(2, _store.Snapshotter.Walk().Count);
    }

    [Fact]
    public void Garbage_collection_frees_a_layer_left_by_a_dead_unpack_but_not_a_live_one()
    {
        var image = _store.Unpack(_store.Register("docker.io/library/a:latest", TestImage.Write(_store, Base)));
        var dead = new Dictionary<string, string> { [LayerUnpacker.OwnerLabel] = "2147483646:1" };
        var live = new Dictionary<string, string> { [LayerUnpacker.OwnerLabel] = $"{Environment.ProcessId}:{Berth.Linux.ProcessInfo.StartTime(Environment.ProcessId)}" };
        _store.Snapshotter.Prepare(LayerUnpacker.ExtractPrefix + "dead", image.TopSnapshot, dead);
        _store.Snapshotter.Prepare(LayerUnpacker.ExtractPrefix + "live", image.TopSnapshot, live);

        var result = GarbageCollector.Collect(_store);

        Assert.Equal(1, result.Snapshots);
        Assert.Equal([LayerUnpacker.ExtractPrefix + "live"], _store.Snapshotter.Walk().Where(s => s.Kind == SnapshotKind.Active).Select(s => s.Key));
    }
}
