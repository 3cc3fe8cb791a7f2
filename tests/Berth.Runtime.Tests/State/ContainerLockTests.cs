using System.Diagnostics;
using Berth.Linux;
using Berth.Runtime.State;

namespace Berth.Runtime.Tests.State;

public sealed class ContainerLockTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task Second_acquire_waits_until_the_first_lock_is_released()
    {
        var first = ContainerLock.Acquire(_tmp.Path);
        var second = Task.Run(() => ContainerLock.Acquire(_tmp.Path));

        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        first.Dispose();

        using var held = await second.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Locks_on_different_folders_do_not_wait_for_each_other()
    {
        Directory.CreateDirectory(_tmp["a"]);
        Directory.CreateDirectory(_tmp["b"]);
        using var a = ContainerLock.Acquire(_tmp["a"]);

        using var b = await Task.Run(() => ContainerLock.Acquire(_tmp["b"])).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Held_lock_excludes_another_process()
    {
        using (ContainerLock.Acquire(_tmp.Path))
            Assert.Equal(1, Flock(_tmp.Path));

        Assert.Equal(0, Flock(_tmp.Path));
    }

    [Fact]
    public void Acquire_on_a_missing_folder_names_it()
    {
        var e = Assert.Throws<LinuxException>(() => ContainerLock.Acquire(_tmp["missing"]));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal($"open {_tmp["missing"]}: no such file or directory (ENOENT)", e.Message);
    }

    /// <summary>flock(1) without waiting: 0 if it got the lock, 1 if someone holds it.</summary>
    private static int Flock(string dir)
    {
        using var p = Process.Start(new ProcessStartInfo("flock", ["--nonblock", "--conflict-exit-code", "1", dir, "true"]))!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
