using System.Globalization;
using Berth.Images.Metadata;
using Berth.Images.Snapshots;
using Berth.Images.Snapshots.Native;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Snapshots;

public sealed class NativeSnapshotterTests : SnapshotterTestBase
{
    private static readonly StatxTimestamp Past = new() { Sec = 1_000_000_000, Nsec = 123_456_789 };
    private readonly NativeSnapshotter _native;

    public NativeSnapshotterTests() => _native = new NativeSnapshotter(Store, Root.Path);

    protected override ISnapshotter Snapshotter => _native;

    private string Dir(string key) => Path.Combine(_native.Home, "snapshots",
        Store.View(tx => tx.Snapshots.GetRequired(NativeSnapshotter.SnapshotterName, key)).Id.ToString(CultureInfo.InvariantCulture));

    /// <summary>Commits "base", built by <paramref name="build"/> in its mounted active snapshot.</summary>
    private void Base(Action<string> build)
    {
        var target = MountAt(_native.Prepare("base-extract", null));
        try
        {
            build(target);
        }
        finally
        {
            MountSpec.Unmount(target);
        }
        _native.Commit("base", "base-extract");
    }

    /// <summary>Prepares "copy" on "base" and returns its directory.</summary>
    private string Copy()
    {
        _native.Prepare("copy", "base");
        return Dir("copy");
    }

    [Fact]
    public void Commit_onto_another_snapshot_is_refused_as_a_copy_holds_its_parent()
    {
        Base(_ => { });
        _native.Prepare("loose", null);

        var e = Assert.Throws<NotSupportedException>(() => _native.Commit("layer", "loose", onto: "base"));

        Assert.False(_native.ExtractsWithoutParent);
        Assert.Contains("cannot be committed onto another snapshot", e.Message);
        Assert.Equal(SnapshotKind.Active, _native.Stat("loose").Kind);
    }

    [Fact]
    public void Prepare_copies_the_parent_and_changes_do_not_reach_it()
    {
        Base(t => File.WriteAllText(Path.Combine(t, "a"), "1"));
        var target = MountAt(_native.Prepare("ctr", "base"));
        File.WriteAllText(Path.Combine(target, "a"), "changed");
        File.WriteAllText(Path.Combine(target, "b"), "new");
        Assert.Equal("1", File.ReadAllText(Path.Combine(Dir("base"), "a")));
        Assert.False(File.Exists(Path.Combine(Dir("base"), "b")));
    }

    [Fact]
    public void Copy_keeps_owners_and_setuid_bits()
    {
        Base(t =>
        {
            var file = Path.Combine(t, "su");
            File.WriteAllText(file, "x");
            Sys.Lchown(file, 1234, 5678);
            Sys.Chmod(file, 0b100_111_101_101); // 04755
        });
        var st = Sys.Lstatx(Path.Combine(Copy(), "su"));
        Assert.Equal((1234u, 5678u), (st.Uid, st.Gid));
        Assert.Equal(0b100_111_101_101, st.Mode & 0xFFF);
    }

    [Fact]
    public void Copy_keeps_nanosecond_mtimes_of_files_and_directories()
    {
        Base(t =>
        {
            Directory.CreateDirectory(Path.Combine(t, "d"));
            File.WriteAllText(Path.Combine(t, "d", "f"), "x");
            Sys.Lutimens(Path.Combine(t, "d", "f"), Past, Past);
            Sys.Lutimens(Path.Combine(t, "d"), Past, Past);
        });
        var copy = Copy();
        foreach (var path in new[] { "d", "d/f" })
        {
            var mtime = Sys.Lstatx(Path.Combine(copy, path)).Mtime;
            Assert.Equal((Past.Sec, Past.Nsec), (mtime.Sec, mtime.Nsec));
        }
    }

    [Fact]
    public void Copy_keeps_symlinks_as_links_without_following_them()
    {
        Base(t =>
        {
            File.CreateSymbolicLink(Path.Combine(t, "abs"), "/etc/passwd");
            File.CreateSymbolicLink(Path.Combine(t, "dangling"), "../nowhere");
        });
        var copy = Copy();
        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(copy, "abs")).LinkTarget);
        Assert.Equal("../nowhere", new FileInfo(Path.Combine(copy, "dangling")).LinkTarget);
        Assert.Equal(StatMode.S_IFLNK, Sys.Lstatx(Path.Combine(copy, "abs")).Type);
    }

    [Fact]
    public void Copy_keeps_hard_links_as_one_inode()
    {
        Base(t =>
        {
            File.WriteAllText(Path.Combine(t, "one"), "x");
            Directory.CreateDirectory(Path.Combine(t, "sub"));
            Sys.Link(Path.Combine(t, "one"), Path.Combine(t, "sub", "two"));
        });
        var copy = Copy();
        var one = Sys.Lstatx(Path.Combine(copy, "one"));
        var two = Sys.Lstatx(Path.Combine(copy, "sub", "two"));
        Assert.Equal(one.Ino, two.Ino);
        Assert.Equal(2u, one.Nlink);
        Assert.NotEqual(Sys.Lstatx(Path.Combine(Dir("base"), "one")).Ino, one.Ino);
    }

    [Fact]
    public void Copy_keeps_extended_attributes()
    {
        Base(t =>
        {
            File.WriteAllText(Path.Combine(t, "f"), "x");
            Sys.SetXattr(Path.Combine(t, "f"), "user.berth", "value"u8);
            Sys.SetXattr(Path.Combine(t, "f"), "trusted.berth", "secret"u8);
        });
        var copied = Path.Combine(Copy(), "f");
        Assert.Equal("value"u8.ToArray(), Sys.GetXattr(copied, "user.berth"));
        Assert.Equal("secret"u8.ToArray(), Sys.GetXattr(copied, "trusted.berth"));
    }

    [Fact]
    public void Copy_keeps_device_nodes_and_fifos()
    {
        Base(t =>
        {
            Sys.MknodAt(AtFlags.AT_FDCWD, Path.Combine(t, "null"), StatMode.S_IFCHR | 0b110_110_110, 1, 3, "null");
            Sys.MknodAt(AtFlags.AT_FDCWD, Path.Combine(t, "fifo"), StatMode.S_IFIFO | 0b110_100_100, 0, 0, "fifo");
        });
        var copy = Copy();
        var dev = Sys.Lstatx(Path.Combine(copy, "null"));
        Assert.Equal(StatMode.S_IFCHR, dev.Type);
        Assert.Equal((1u, 3u), (dev.RdevMajor, dev.RdevMinor));
        Assert.Equal(StatMode.S_IFIFO, Sys.Lstatx(Path.Combine(copy, "fifo")).Type);
    }

    [Fact]
    public void A_view_is_a_read_only_copy()
    {
        Base(t => File.WriteAllText(Path.Combine(t, "a"), "1"));
        var target = MountAt(_native.View("look", "base"));
        Assert.Equal("1", File.ReadAllText(Path.Combine(target, "a")));
        Assert.Equal(Errno.EROFS, CreateFileErrno(Path.Combine(target, "b")));
    }

    [Fact]
    public void Remove_of_a_snapshot_with_children_is_refused()
    {
        Base(_ => { });
        _native.Prepare("ctr", "base");
        var e = Assert.Throws<MetadataException>(() => _native.Remove("base"));
        Assert.Equal(MetadataErrorKind.FailedPrecondition, e.Kind);
        _native.Remove("ctr");
        _native.Remove("base");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_native.Home, "snapshots")));
    }

    [Fact]
    public void Cleanup_removes_directories_the_database_does_not_know()
    {
        Base(t => File.WriteAllText(Path.Combine(t, "a"), "1"));
        var orphan = Path.Combine(_native.Home, "snapshots", "4242");
        Directory.CreateDirectory(Path.Combine(orphan, "etc"));
        Assert.Equal([orphan], _native.Cleanup());
        Assert.False(Directory.Exists(orphan));
        Assert.True(File.Exists(Path.Combine(Dir("base"), "a")));
    }
}
