using Berth.Images.Snapshots;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Snapshots;

public sealed class MountSpecTests : IDisposable
{
    private readonly TempRoot _root = new();

    public void Dispose() => _root.Dispose();

    private static int CreateFileErrno(string path)
    {
        try
        {
            using var fd = Sys.Open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0b110_100_100);
            return 0;
        }
        catch (LinuxException e)
        {
            return e.Errno;
        }
    }

    [Fact]
    public void A_read_only_bind_refuses_writes()
    {
        var source = _root.Sub("src");
        var target = _root.Sub("dst");
        MountSpec.MountAll([new MountSpec("bind", source, ["ro", "rbind"])], target);
        Assert.Equal(Errno.EROFS, CreateFileErrno(Path.Combine(target, "f")));
    }

    [Fact]
    public void Unmount_removes_every_stacked_mount()
    {
        var a = _root.Sub("a");
        var b = _root.Sub("b");
        var target = _root.Sub("target");
        MountSpec.MountAll([new MountSpec("bind", a, ["rbind"]), new MountSpec("bind", b, ["rbind"])], target);
        Assert.Equal(2, TempRoot.MountsUnder(target).Count);
        MountSpec.Unmount(target);
        Assert.Empty(TempRoot.MountsUnder(target));
    }

    [Fact]
    public void Unmount_of_a_target_with_nothing_mounted_does_nothing()
    {
        var target = _root.Sub("target");
        MountSpec.Unmount(target);
        Assert.True(Directory.Exists(target));
    }

    [Fact]
    public void Mount_failure_names_the_source_and_target()
    {
        var target = _root.Sub("target");
        var missing = Path.Combine(_root.Path, "missing");
        var e = Assert.Throws<LinuxException>(() => new MountSpec("bind", missing, ["rbind"]).Mount(target));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(missing, e.Message);
        Assert.Contains(target, e.Message);
    }

    [Fact]
    public void An_overlay_too_long_for_one_page_names_the_layer_that_failed()
    {
        var upper = _root.Sub("upper");
        var work = _root.Sub("work");
        var lowers = Enumerable.Range(0, 200).Select(i => _root.Sub($"lower-with-a-long-name-{i:D4}")).ToList();
        lowers[100] = Path.Combine(_root.Path, "does-not-exist");
        var target = _root.Sub("target");
        var spec = new MountSpec("overlay", "overlay", [$"workdir={work}", $"upperdir={upper}", "lowerdir=" + string.Join(':', lowers)]);
        var e = Assert.Throws<LinuxException>(() => spec.Mount(target));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("lowerdir+", e.Message);
        Assert.Contains("does-not-exist", e.Message);
    }
}
