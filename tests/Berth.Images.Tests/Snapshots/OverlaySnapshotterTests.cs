using Berth.Images.Metadata;
using Berth.Images.Snapshots;
using Berth.Images.Snapshots.Overlay;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Snapshots;

public sealed class OverlaySnapshotterTests : SnapshotterTestBase
{
    private readonly OverlaySnapshotter _overlay;

    public OverlaySnapshotterTests() => _overlay = new OverlaySnapshotter(Store, Root.Path);

    protected override ISnapshotter Snapshotter => _overlay;

    private long Id(string key) => Store.View(tx => tx.Snapshots.GetRequired(OverlaySnapshotter.SnapshotterName, key)).Id;

    private string Fs(string key) => Path.Combine(_overlay.Home, "snapshots", Id(key).ToString(System.Globalization.CultureInfo.InvariantCulture), "fs");

    [Fact]
    public void Prepare_without_parent_is_a_writable_bind_of_an_empty_directory()
    {
        var mounts = _overlay.Prepare("ctr", null);
        var mount = Assert.Single(mounts);
        Assert.Equal("bind", mount.Type);
        var target = MountAt(mounts);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        File.WriteAllText(Path.Combine(target, "hello"), "hi");
        Assert.Equal("hi", File.ReadAllText(Path.Combine(Fs("ctr"), "hello")));
    }

    [Fact]
    public void Prepare_over_a_two_layer_chain_shows_the_upper_layer_over_the_lower()
    {
        Layer("l1", null, ("etc/os-release", "base"), ("bin/sh", "shell"));
        Layer("l2", "l1", ("etc/os-release", "updated"));
        var mounts = _overlay.Prepare("ctr", "l2");
        Assert.Equal("overlay", Assert.Single(mounts).Type);
        var target = MountAt(mounts);
        Assert.Equal("updated", File.ReadAllText(Path.Combine(target, "etc/os-release")));
        Assert.Equal("shell", File.ReadAllText(Path.Combine(target, "bin/sh")));
    }

    [Fact]
    public void Writing_in_an_active_snapshot_copies_up_and_leaves_the_lower_layers_untouched()
    {
        Layer("l1", null, ("etc/passwd", "root"));
        Layer("l2", "l1", ("etc/hostname", "box"));
        var target = MountAt(_overlay.Prepare("ctr", "l2"));
        File.WriteAllText(Path.Combine(target, "etc/passwd"), "root\nuser");
        File.WriteAllText(Path.Combine(target, "new"), "file");
        Assert.Equal("root", File.ReadAllText(Path.Combine(Fs("l1"), "etc/passwd")));
        Assert.Equal("root\nuser", File.ReadAllText(Path.Combine(Fs("ctr"), "etc/passwd")));
        Assert.False(File.Exists(Path.Combine(Fs("l1"), "new")));
        Assert.False(File.Exists(Path.Combine(Fs("l2"), "new")));
        Assert.True(File.Exists(Path.Combine(Fs("ctr"), "new")));
    }

    [Fact]
    public void Deleting_a_lower_file_leaves_a_whiteout_in_the_upper()
    {
        Layer("l1", null, ("etc/motd", "hello"));
        Layer("l2", "l1", ("etc/issue", "x"));
        var target = MountAt(_overlay.Prepare("ctr", "l2"));
        File.Delete(Path.Combine(target, "etc/motd"));
        Assert.False(File.Exists(Path.Combine(target, "etc/motd")));
        Assert.True(File.Exists(Path.Combine(Fs("l1"), "etc/motd")));
        // An overlayfs whiteout is a character device 0:0 in the upper layer.
        var st = Sys.Lstatx(Path.Combine(Fs("ctr"), "etc/motd"));
        Assert.Equal(StatMode.S_IFCHR, st.Type);
        Assert.Equal((0u, 0u), (st.RdevMajor, st.RdevMinor));
    }

    [Fact]
    public void A_view_of_one_layer_is_read_only()
    {
        Layer("l1", null, ("a", "1"));
        var target = MountAt(_overlay.View("look", "l1"));
        Assert.Equal("1", File.ReadAllText(Path.Combine(target, "a")));
        Assert.Equal(Errno.EROFS, CreateFileErrno(Path.Combine(target, "b")));
    }

    [Fact]
    public void A_view_of_a_chain_is_read_only()
    {
        Layer("l1", null, ("a", "1"));
        Layer("l2", "l1", ("b", "2"));
        var mounts = _overlay.View("look", "l2");
        Assert.Equal("overlay", Assert.Single(mounts).Type);
        var target = MountAt(mounts);
        Assert.Equal("1", File.ReadAllText(Path.Combine(target, "a")));
        Assert.Equal(Errno.EROFS, CreateFileErrno(Path.Combine(target, "c")));
    }

    [Fact]
    public void Remove_of_a_snapshot_with_children_is_refused_and_keeps_its_directory()
    {
        Layer("l1", null, ("a", "1"));
        _overlay.Prepare("ctr", "l1");
        var e = Assert.Throws<MetadataException>(() => _overlay.Remove("l1"));
        Assert.Equal(MetadataErrorKind.FailedPrecondition, e.Kind);
        Assert.True(File.Exists(Path.Combine(Fs("l1"), "a")));
    }

    [Fact]
    public void Remove_deletes_the_directory_and_the_short_link()
    {
        Layer("l1", null, ("a", "1"));
        var dir = Path.GetDirectoryName(Fs("l1"))!;
        var link = _overlay.LinkOf(Id("l1"));
        _overlay.Remove("l1");
        Assert.False(Directory.Exists(dir));
        Assert.False(Sys.TryLstat(link, out _));
        Assert.Empty(_overlay.Walk());
    }

    [Fact]
    public void A_chain_of_130_layers_mounts_and_reads_the_top_and_bottom_files()
    {
        string? parent = null;
        for (var i = 0; i < 130; i++)
        {
            Layer($"layer{i}", parent, ($"file{i}", $"content {i}"));
            parent = $"layer{i}";
        }
        var mounts = _overlay.Prepare("ctr", parent);
        // Too long for mount(2)'s one page: this goes through fsconfig lowerdir+.
        Assert.True(string.Join(',', Assert.Single(mounts).Options).Length > Environment.SystemPageSize);
        var target = MountAt(mounts);
        Assert.Equal("content 0", File.ReadAllText(Path.Combine(target, "file0")));
        Assert.Equal("content 129", File.ReadAllText(Path.Combine(target, "file129")));
        Assert.Equal(130, Directory.EnumerateFiles(target).Count());
    }

    [Fact]
    public void Layers_are_named_by_short_links_to_their_directories()
    {
        Layer("l1", null, ("a", "1"));
        Assert.Equal(Sys.RealPath(Fs("l1")), Sys.RealPath(_overlay.LinkOf(Id("l1"))));
        Assert.Equal("1", File.ReadAllText(Path.Combine(_overlay.LinkOf(Id("l1")), "a")));
    }

    [Fact]
    public void Mounts_of_a_committed_snapshot_is_refused()
    {
        Layer("l1", null, ("a", "1"));
        var e = Assert.Throws<MetadataException>(() => _overlay.Mounts("l1"));
        Assert.Equal(MetadataErrorKind.FailedPrecondition, e.Kind);
    }

    [Fact]
    public void Mounts_gives_the_same_mounts_as_prepare()
    {
        Layer("l1", null, ("a", "1"));
        var prepared = _overlay.Prepare("ctr", "l1");
        Assert.Equal(prepared.Single().Options, _overlay.Mounts("ctr").Single().Options);
    }

    [Fact]
    public void Prepare_on_a_missing_parent_fails_and_leaves_no_directory()
    {
        var e = Assert.Throws<MetadataException>(() => _overlay.Prepare("abc", "def"));
        Assert.Equal("snapshot \"abc\": parent \"def\" does not exist", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_overlay.Home, "snapshots")));
    }

    [Fact]
    public void Commit_turns_the_active_snapshot_into_a_committed_one_with_its_usage()
    {
        Layer("l1", null, ("a", new string('x', 10000)));
        var info = _overlay.Stat("l1");
        Assert.Equal(SnapshotKind.Committed, info.Kind);
        var usage = _overlay.Usage("l1");
        Assert.Equal(2, usage.Inodes);
        Assert.True(usage.Size >= 10000);
        Assert.Throws<MetadataException>(() => _overlay.Stat("l1-extract"));
    }

    [Fact]
    public void Walk_lists_every_snapshot_with_its_parent_and_kind()
    {
        Layer("l1", null);
        _overlay.Prepare("ctr", "l1");
        _overlay.View("look", "l1");
        var all = _overlay.Walk();
        Assert.Equal(["l1", "ctr", "look"], all.Select(s => s.Key));
        Assert.Equal([null, "l1", "l1"], all.Select(s => s.Parent));
        Assert.Equal([SnapshotKind.Committed, SnapshotKind.Active, SnapshotKind.View], all.Select(s => s.Kind));
    }

    [Fact]
    public void Cleanup_removes_directories_and_links_the_database_does_not_know()
    {
        Layer("l1", null, ("a", "1"));
        var snapshots = Path.Combine(_overlay.Home, "snapshots");
        Directory.CreateDirectory(Path.Combine(snapshots, "9999", "fs"));
        Directory.CreateDirectory(Path.Combine(snapshots, "new-999999999-abc", "fs"));
        var orphanLink = _overlay.LinkOf(9999);
        File.CreateSymbolicLink(orphanLink, "../snapshots/9999/fs");
        var removed = _overlay.Cleanup();
        Assert.Equal(3, removed.Count);
        Assert.Equal([Id("l1").ToString(System.Globalization.CultureInfo.InvariantCulture)],
            Directory.EnumerateFileSystemEntries(snapshots).Select(Path.GetFileName));
        Assert.False(Sys.TryLstat(orphanLink, out _));
        Assert.True(File.Exists(Path.Combine(Fs("l1"), "a")));
    }

    [Fact]
    public void Cleanup_keeps_the_staging_directory_of_a_live_process()
    {
        var staging = Path.Combine(_overlay.Home, "snapshots", $"new-{Environment.ProcessId}-abc");
        Directory.CreateDirectory(staging);
        Assert.Empty(_overlay.Cleanup());
        Assert.True(Directory.Exists(staging));
    }

    [Fact]
    public void Two_snapshotters_on_one_root_see_each_others_snapshots()
    {
        using var otherStore = MetadataStore.Open(Root.Path);
        var other = new OverlaySnapshotter(otherStore, Root.Path);
        Layer("l1", null, ("a", "1"));
        var target = MountAt(other.Prepare("ctr", "l1"));
        Assert.Equal("1", File.ReadAllText(Path.Combine(target, "a")));
        Assert.Equal(["l1", "ctr"], _overlay.Walk().Select(s => s.Key));
        Assert.Throws<MetadataException>(() => _overlay.Remove("l1"));
    }

    [Fact]
    public void A_leftover_directory_under_the_next_id_is_replaced()
    {
        // As a crash after the rename and before the commit leaves it: id 1 was never recorded.
        var leftover = Path.Combine(_overlay.Home, "snapshots", "1", "fs");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "stale"), "x");
        var target = MountAt(_overlay.Prepare("ctr", null));
        Assert.Equal(1, Id("ctr"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
    }

    [Fact]
    public void Prepare_of_an_existing_key_is_refused_and_leaves_no_staging_directory()
    {
        _overlay.Prepare("ctr", null);
        var e = Assert.Throws<MetadataException>(() => _overlay.Prepare("ctr", null));
        Assert.Equal(MetadataErrorKind.AlreadyExists, e.Kind);
        Assert.Single(Directory.EnumerateFileSystemEntries(Path.Combine(_overlay.Home, "snapshots")));
    }

    [Fact]
    public void Snapshot_directories_are_reachable_by_root_only()
    {
        Assert.Equal(0b111_000_000, Sys.Lstatx(_overlay.Home).Mode & 0xFFF);
        Assert.Equal(0b111_000_000, Sys.Lstatx(Path.Combine(_overlay.Home, "snapshots")).Mode & 0xFFF);
    }

    [Fact]
    public void Concurrent_prepares_from_two_snapshotters_get_distinct_directories()
    {
        using var otherStore = MetadataStore.Open(Root.Path);
        var snapshotters = new[] { _overlay, new OverlaySnapshotter(otherStore, Root.Path) };
        Layer("l1", null, ("a", "1"));
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => snapshotters[i % 2].Prepare($"ctr{i}", "l1"));
        var ids = Enumerable.Range(0, 20).Select(i => Id($"ctr{i}")).ToList();
        Assert.Equal(20, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(Directory.Exists(Path.Combine(_overlay.Home, "snapshots", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "fs"))));
    }

    [Fact]
    public void Usage_of_an_active_snapshot_counts_what_was_written_since()
    {
        Layer("l1", null, ("big", new string('x', 100_000)));
        var target = MountAt(_overlay.Prepare("ctr", "l1"));
        var before = _overlay.Usage("ctr");
        File.WriteAllText(Path.Combine(target, "new"), new string('y', 50_000));
        var after = _overlay.Usage("ctr");
        Assert.Equal(before.Inodes + 1, after.Inodes);
        Assert.InRange(after.Size - before.Size, 50_000, 60_000);
    }

    [Fact]
    public void SetLabels_replaces_the_labels_of_a_committed_snapshot()
    {
        Layer("l1", null);
        _overlay.SetLabels("l1", new Dictionary<string, string> { ["containerd.io/gc.root"] = "x" });
        var labels = _overlay.Stat("l1").Labels;
        Assert.Equal("x", Assert.Single(labels).Value);
    }
}
