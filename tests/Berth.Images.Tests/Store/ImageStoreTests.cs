using Berth.Images.Layers;
using Berth.Images.Snapshots;
using Berth.Images.Store;
using Berth.Images.Tests.Layers;

namespace Berth.Images.Tests.Store;

public sealed class ImageStoreTests : ImageStoreTest
{
    private static LayerTar Base => new LayerTar().Dir("etc").File("etc/os-release", "ID=test\n").File("etc/motd", "base\n");

    [Fact]
    public void Unpack_commits_one_snapshot_per_layer_named_by_chain_id()
    {
        var record = Store.Register("docker.io/library/app:v1", TestImage.Write(Store, Base, new LayerTar().File("app", "1")));

        var image = Store.Unpack(record);

        var committed = Store.Snapshotter.Walk().Where(s => s.Kind == SnapshotKind.Committed).Select(s => s.Key);
        Assert.Equal(image.ChainIds.Select(c => c.ToString()).Order(), committed.Order());
        Assert.Equal(image.ChainIds[0].ToString(), Store.Snapshotter.Stat(image.ChainIds[1].ToString()).Parent);
    }

    [Fact]
    public void A_layer_another_process_committed_first_is_taken_as_theirs_and_the_unpack_goes_on()
    {
        var record = Store.Register("docker.io/library/app:v1", TestImage.Write(Store, Base, new LayerTar().File("app", "1")));
        using var other = ImageStore.Open(Root, Store.Snapshotter.Name);
        var layers = new List<(int, bool)>();

        // After this store committed the base layer, the other one (its own database connection, as
        // a second process has) unpacks the whole image: this store's commit of the top layer then
        // finds the name taken.
        var image = Store.Unpack(record, (i, extracted) =>
        {
            layers.Add((i, extracted));
            if (i == 0)
                other.Unpack(other.Find("app:v1"));
        });

        Assert.Equal([(0, true), (1, false)], layers);
        Assert.Equal(image.ChainIds.Select(c => c.ToString()).Order(), Store.Snapshotter.Walk().Select(s => s.Key).Order());
    }

    [Fact]
    public void Two_images_sharing_a_base_unpack_it_once()
    {
        var a = Store.Register("docker.io/library/a:latest", TestImage.Write(Store, Base, new LayerTar().File("a", "a")));
        var b = Store.Register("docker.io/library/b:latest", TestImage.Write(Store, Base, new LayerTar().File("b", "b")));
        var extracted = new List<(int, bool)>();

        Store.Unpack(a);
        Store.Unpack(b, (i, fresh) => extracted.Add((i, fresh)));

        Assert.Equal([(0, false), (1, true)], extracted);
        Assert.Equal(3, Store.Snapshotter.Walk().Count);
    }

    [Fact]
    public void Whiteout_in_an_upper_layer_hides_the_file_in_a_container_view()
    {
        var record = Store.Register("docker.io/library/w:latest", TestImage.Write(Store, Base, new LayerTar().File("etc/.wh.motd")));
        var image = Store.Unpack(record);
        var target = Directory.CreateTempSubdirectory("berth-view-").FullName;
        try
        {
            MountSpec.MountAll(Store.Snapshotter.View("view", image.TopSnapshot), target);
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
        var descriptor = TestImage.Write(Store, Base);
        var image = Store.Resolve(Store.Register("docker.io/library/bad:latest", descriptor));
        var forged = image with { DiffIds = [Berth.Images.Content.Digest.Compute("not this layer"u8)] };

        Assert.ThrowsAny<LayerException>(() => new LayerUnpacker(Store.Content, Store.Snapshotter, Store.LayerLimits).Unpack(forged));

        Assert.Empty(Store.Snapshotter.Walk());
    }

    [Fact]
    public void Layers_unpacked_side_by_side_and_one_at_a_time_give_the_same_chain_and_files()
    {
        var layers = new[] { Base, new LayerTar().File("etc/motd", "second\n").File("opt/a", "a"), new LayerTar().File("opt/.wh.a").File("opt/b", "b") };
        var record = Store.Register("docker.io/library/par:latest", TestImage.Write(Store, layers));
        using var other = ImageStore.Open(Path.Combine(Root, "sequential"));
        var sequentialRecord = other.Register("docker.io/library/par:latest", TestImage.Write(other, layers));
        var order = new List<int>();

        var image = Store.Resolve(record);
        new LayerUnpacker(Store.Content, Store.Snapshotter, Store.LayerLimits) { LayerDone = (i, _) => order.Add(i), MaxParallelLayers = 3 }.Unpack(image);
        var sequential = other.Resolve(sequentialRecord);
        new LayerUnpacker(other.Content, other.Snapshotter, other.LayerLimits) { MaxParallelLayers = 1 }.Unpack(sequential);

        Assert.Equal([0, 1, 2], order);
        for (var i = 0; i < 3; i++)
        {
            var name = image.ChainIds[i].ToString();
            Assert.Equal(i == 0 ? null : image.ChainIds[i - 1].ToString(), Store.Snapshotter.Stat(name).Parent);
            Assert.Equal(other.Snapshotter.Stat(name).Parent, Store.Snapshotter.Stat(name).Parent);
        }
        Assert.All(Store.Snapshotter.Walk(), s => Assert.Equal(SnapshotKind.Committed, s.Kind));
        Assert.Equal(ReadView(other, sequential), ReadView(Store, image));
    }

    [Fact]
    public void A_failing_layer_among_layers_unpacked_side_by_side_leaves_no_snapshot_or_directory()
    {
        var descriptor = TestImage.Write(Store, Base, new LayerTar().File("b", "b"), new LayerTar().File("c", "c"));
        var image = Store.Resolve(Store.Register("docker.io/library/bad:latest", descriptor));
        var forged = image with { DiffIds = [image.DiffIds[0], Berth.Images.Content.Digest.Compute("not this layer"u8), image.DiffIds[2]] };
        var snapshotDir = Path.Combine(Root, "snapshots", "overlay", "snapshots");

        var e = Assert.ThrowsAny<LayerException>(() => new LayerUnpacker(Store.Content, Store.Snapshotter, Store.LayerLimits) { MaxParallelLayers = 3 }.Unpack(forged));

        Assert.Contains("diff id mismatch", e.Message);
        Assert.Contains(image.ManifestDocument.Layers[1].Digest.ToString(), e.Message);
        // The first layer was committed before the second failed, as a sequential unpack leaves it.
        Assert.All(Store.Snapshotter.Walk(), s => Assert.Equal(SnapshotKind.Committed, s.Kind));
        Assert.True(Store.Snapshotter.Walk().Count <= 1);
        Assert.Equal(Store.Snapshotter.Walk().Count, Directory.GetDirectories(snapshotDir).Length);
    }

    [Fact]
    public void The_largest_layer_unpacks_first_and_its_failure_is_the_error_thrown_not_the_layers_it_stopped()
    {
        var noise = new byte[1 << 20];
        new Random(7).NextBytes(noise);
        var large = new LayerTar().File("big", Convert.ToBase64String(noise));
        var descriptor = TestImage.Write(Store, Base, new LayerTar().File("b", "b"), new LayerTar().File("c", "c"), large);
        var image = Store.Resolve(Store.Register("docker.io/library/lpt:latest", descriptor));
        var forged = image with { DiffIds = [.. image.DiffIds.Take(3), Berth.Images.Content.Digest.Compute("not this layer"u8)] };
        var snapshotDir = Path.Combine(Root, "snapshots", "overlay", "snapshots");

        var e = Assert.ThrowsAny<LayerException>(() => new LayerUnpacker(Store.Content, Store.Snapshotter, Store.LayerLimits) { MaxParallelLayers = 2 }.Unpack(forged));

        Assert.Contains(image.ManifestDocument.Layers[3].Digest.ToString(), e.Message);
        Assert.All(Store.Snapshotter.Walk(), s => Assert.Equal(SnapshotKind.Committed, s.Kind));
        Assert.Equal(Store.Snapshotter.Walk().Count, Directory.GetDirectories(snapshotDir).Length);
    }

    /// <summary>Every path and file content seen through a read-only view of the image's top layer.</summary>
    private static List<string> ReadView(ImageStore store, ResolvedImage image)
    {
        var target = Directory.CreateTempSubdirectory("berth-view-").FullName;
        var key = "view-" + Guid.NewGuid().ToString("N");
        try
        {
            MountSpec.MountAll(store.Snapshotter.View(key, image.TopSnapshot), target);
            try
            {
                return Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories)
                    .Select(p => Path.GetRelativePath(target, p) + (File.Exists(p) ? "=" + File.ReadAllText(p) : "/"))
                    .Order(StringComparer.Ordinal).ToList();
            }
            finally
            {
                MountSpec.Unmount(target);
            }
        }
        finally
        {
            store.Snapshotter.Remove(key);
            Directory.Delete(target);
        }
    }

    [Fact]
    public void Find_answers_to_names_familiar_names_and_id_prefixes()
    {
        var record = Store.Register("docker.io/library/busybox:latest", TestImage.Write(Store, Base));
        var id = Store.IdOf(record);

        Assert.Equal(record.Name, Store.Find("busybox").Name);
        Assert.Equal(record.Name, Store.Find(id.Encoded[..12]).Name);
        Assert.Equal(record.Name, Store.Find(id.ToString()).Name);
        Assert.Equal("No such image: nope", Assert.Throws<ImageNotFoundException>(() => Store.Find("nope")).Message);
    }

    [Fact]
    public void Tag_adds_a_name_and_remove_by_name_takes_only_that_name()
    {
        Store.Register("docker.io/library/busybox:latest", TestImage.Write(Store, Base));

        Store.Tag("busybox", "localhost:5000/mine:v2");
        var lines = Store.Remove("busybox", force: false);

        Assert.Equal(["Untagged: busybox:latest"], lines);
        Assert.Equal(["localhost:5000/mine:v2"], Store.List().Select(r => r.Name));
    }

    [Fact]
    public void Remove_by_id_of_an_image_with_several_names_needs_force()
    {
        var record = Store.Register("docker.io/library/busybox:latest", TestImage.Write(Store, Base));
        Store.Tag("busybox", "busybox:other");
        var id = Store.IdOf(record).Encoded[..12];

        Assert.Contains("must be forced", Assert.Throws<ImageInUseException>(() => Store.Remove(id, force: false)).Message);
        Assert.Equal(2, Store.Remove(id, force: true).Count);
        Assert.Empty(Store.List());
    }

    [Fact]
    public void Garbage_collection_frees_exactly_what_no_image_uses()
    {
        var a = Store.Register("docker.io/library/a:latest", TestImage.Write(Store, Base, new LayerTar().File("a", "a")));
        var b = Store.Register("docker.io/library/b:latest", TestImage.Write(Store, Base, new LayerTar().File("b", "b")));
        var keep = Store.Unpack(a);
        Store.Unpack(b);
        var blobsBefore = Store.Content.Walk().Count();

        Store.Remove("b", force: false);
        var result = GarbageCollector.Collect(Store);

        Assert.Equal(1, result.Snapshots);
        Assert.Equal(3, result.Blobs);
        Assert.Equal(blobsBefore - 3, Store.Content.Walk().Count());
        Assert.Equal(keep.ChainIds.Select(c => c.ToString()).Order(), Store.Snapshotter.Walk().Select(s => s.Key).Order());
        Assert.Equal(0, GarbageCollector.Collect(Store).Blobs);
    }

    [Fact]
    public void Garbage_collection_keeps_the_chain_under_an_active_snapshot()
    {
        var record = Store.Register("docker.io/library/a:latest", TestImage.Write(Store, Base));
        var image = Store.Unpack(record);
        Store.Snapshotter.Prepare("container-1", image.TopSnapshot);
        Store.Remove("a", force: false);

        var result = GarbageCollector.Collect(Store);

        Assert.Equal(0, result.Snapshots);
        Assert.Equal(2, Store.Snapshotter.Walk().Count);
    }

    [Fact]
    public void Garbage_collection_frees_a_layer_left_by_a_dead_unpack_but_not_a_live_one()
    {
        var image = Store.Unpack(Store.Register("docker.io/library/a:latest", TestImage.Write(Store, Base)));
        var dead = new Dictionary<string, string> { [LayerUnpacker.OwnerLabel] = "2147483646:1" };
        var live = new Dictionary<string, string> { [LayerUnpacker.OwnerLabel] = $"{Environment.ProcessId}:{Berth.Linux.ProcessInfo.StartTime(Environment.ProcessId)}" };
        Store.Snapshotter.Prepare(LayerUnpacker.ExtractPrefix + "dead", image.TopSnapshot, dead);
        Store.Snapshotter.Prepare(LayerUnpacker.ExtractPrefix + "live", image.TopSnapshot, live);

        var result = GarbageCollector.Collect(Store);

        Assert.Equal(1, result.Snapshots);
        Assert.Equal([LayerUnpacker.ExtractPrefix + "live"], Store.Snapshotter.Walk().Where(s => s.Kind == SnapshotKind.Active).Select(s => s.Key));
    }

    [Fact]
    public void Unpack_removes_what_a_dead_unpack_left_but_not_what_a_live_one_is_extracting()
    {
        var first = Store.Unpack(Store.Register("docker.io/library/a:latest", TestImage.Write(Store, Base)));
        var dead = new Dictionary<string, string> { [LayerUnpacker.OwnerLabel] = "2147483646:1" };
        var live = new Dictionary<string, string> { [LayerUnpacker.OwnerLabel] = $"{Environment.ProcessId}:{Berth.Linux.ProcessInfo.StartTime(Environment.ProcessId)}" };
        Store.Snapshotter.Prepare(LayerUnpacker.ExtractPrefix + "dead", first.TopSnapshot, dead);
        Store.Snapshotter.Prepare(LayerUnpacker.ExtractPrefix + "live", first.TopSnapshot, live);

        Store.Unpack(Store.Register("docker.io/library/b:latest", TestImage.Write(Store, Base, new LayerTar().File("b", "1"))));

        Assert.Equal([LayerUnpacker.ExtractPrefix + "live"], Store.Snapshotter.Walk().Where(s => s.Kind == SnapshotKind.Active).Select(s => s.Key));
    }

    [Fact]
    public void Remove_unused_keeps_images_under_a_writable_layer_and_drops_the_rest_dangling_included()
    {
        var used = Store.Unpack(Store.Register("docker.io/library/used:latest", TestImage.Write(Store, Base)));
        Store.Register("docker.io/library/idle:latest", TestImage.Write(Store, Base, new LayerTar().File("idle", "1")));
        Store.Register(ImageArchives.DanglingName(TestImage.Write(Store, Base, new LayerTar().File("dangling", "1"))), TestImage.Write(Store, Base, new LayerTar().File("dangling", "1")));
        Store.Snapshotter.Prepare("container-1", used.TopSnapshot);

        var lines = Store.RemoveUnused();

        Assert.Equal(2, lines.Count);
        Assert.Equal(["docker.io/library/used:latest"], Store.List().Select(r => r.Name));
    }
}
