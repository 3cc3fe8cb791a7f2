using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>
/// The v2 manager on this host's real cgroup2 mount: the controller-less /sys/fs/cgroup/unified of a
/// hybrid host (this VM), or the unified tree of a v2 host. Creating and joining must work on both.
/// </summary>
public sealed class HostCgroup2Tests : IDisposable
{
    private readonly HostCgroupScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private string Directory2 => Path.Combine(_scope.Mounts.Unified!.MountPoint, _scope.Name);

    private V2Manager Manager() => new(_scope.CgroupsPath, Directory2);

    [HostCgroup2Fact]
    public void Create_makes_a_cgroup_the_kernel_populates()
    {
        Manager().Create();

        Assert.True(File.Exists(Path.Combine(Directory2, "cgroup.procs")));
        Assert.True(File.Exists(Path.Combine(Directory2, "cgroup.events")));
    }

    [HostCgroup2Fact]
    public void AddProcess_moves_the_process_into_the_cgroup2_cgroup()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();

        manager.AddProcess(sleep.Id);

        Assert.Equal(_scope.CgroupsPath, HostCgroupScope.CgroupsOf(sleep.Id)[""]);
    }

    [HostCgroup2Fact]
    public void GetPids_lists_the_added_process()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);

        Assert.Equal([sleep.Id], manager.GetPids());
    }

    [HostCgroup2Fact]
    public void Destroy_after_the_process_is_killed_removes_the_cgroup()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);
        HostCgroupScope.KillAndWait(sleep);

        manager.Destroy();

        Assert.False(manager.Exists());
        Assert.False(Directory.Exists(Directory2));
    }

    [HostCgroup2Fact]
    public void Destroy_while_a_process_is_inside_reports_the_busy_cgroup()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);

        var e = Assert.Throws<CgroupException>(manager.Destroy);

        Assert.Equal($"cgroup: remove {Directory2}: device or resource busy", e.Message);
    }
}
