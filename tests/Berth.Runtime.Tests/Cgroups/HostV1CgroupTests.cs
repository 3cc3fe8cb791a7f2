using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.V1;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>The v1 manager on this host's real hierarchies (root; legacy or hybrid host).</summary>
public sealed class HostV1CgroupTests : IDisposable
{
    private readonly HostCgroupScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private ICgroupManager Manager(string? cgroupsPath = null) =>
        CgroupManagerFactory.Create(cgroupsPath ?? _scope.CgroupsPath, "c1", _scope.Mounts);

    [HostCgroupV1Fact]
    public void Factory_picks_the_v1_manager()
    {
        Assert.IsType<V1Manager>(Manager());
    }

    [HostCgroupV1Fact]
    public void Create_makes_the_cgroup_in_every_hierarchy()
    {
        Manager().Create();

        Assert.All(_scope.AllDirectories, d => Assert.True(Directory.Exists(d), d));
    }

    [HostCgroupV1Fact]
    public void AddProcess_moves_the_process_into_the_cgroup_in_every_hierarchy()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();

        manager.AddProcess(sleep.Id);

        var cgroups = HostCgroupScope.CgroupsOf(sleep.Id);
        foreach (var hierarchy in _scope.Mounts.V1Hierarchies)
            Assert.Equal(_scope.CgroupsPath, cgroups[string.Join(',', hierarchy.Controllers)]);
        if (_scope.Mounts.Mode == CgroupMode.Hybrid)
            Assert.Equal(_scope.CgroupsPath, cgroups[""]);
    }

    [HostCgroupV1Fact]
    public void GetPids_lists_the_added_process()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);

        Assert.Equal([sleep.Id], manager.GetPids());
    }

    [HostCgroupV1Fact]
    public void Destroy_after_the_process_is_killed_leaves_no_directory_in_any_hierarchy()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);
        HostCgroupScope.KillAndWait(sleep);

        manager.Destroy();

        Assert.False(manager.Exists());
        Assert.All(_scope.AllDirectories, d => Assert.False(Directory.Exists(d), d));
    }

    [HostCgroupV1Fact]
    public void Destroy_removes_cgroups_made_beneath_the_containers()
    {
        var manager = Manager();
        manager.Create();
        Directory.CreateDirectory(Path.Combine(manager.Paths["memory"], "nested", "deeper"));

        manager.Destroy();

        Assert.False(Directory.Exists(manager.Paths["memory"]));
    }

    [HostCgroupV1Fact]
    public void Destroy_while_a_process_is_inside_reports_the_busy_cgroup()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);

        var e = Assert.Throws<CgroupException>(manager.Destroy);

        Assert.Equal(16, e.Errno);
        Assert.Matches($"^cgroup: remove /sys/fs/cgroup/.*/{_scope.Name}: device or resource busy$", e.Message);
    }

    [HostCgroupV1Fact]
    public void Nested_cpuset_cgroup_inherits_cpus_and_mems_and_accepts_a_process()
    {
        Assert.True(_scope.Mounts.TryGetV1Controller("cpuset", out var cpuset), "no cpuset hierarchy");
        var manager = Manager(_scope.CgroupsPath + "/inner");
        manager.Create();
        using var sleep = _scope.StartSleep();

        manager.AddProcess(sleep.Id);

        var rootCpus = File.ReadAllText(Path.Combine(cpuset.MountPoint, "cpuset.cpus"));
        Assert.Equal(rootCpus, File.ReadAllText(Path.Combine(cpuset.MountPoint, _scope.Name, "cpuset.cpus")));
        Assert.Equal(rootCpus, File.ReadAllText(Path.Combine(manager.Paths["cpuset"], "cpuset.cpus")));
        Assert.Equal([sleep.Id], manager.GetPids());
    }

    [HostCgroupV1Fact]
    public void AddProcess_of_a_process_that_does_not_exist_names_the_file_and_pid()
    {
        var manager = Manager();
        manager.Create();
        using var sleep = _scope.StartSleep();
        var pid = sleep.Id;
        HostCgroupScope.KillAndWait(sleep);

        var e = Assert.Throws<CgroupException>(() => manager.AddProcess(pid));

        Assert.Equal(3, e.Errno);
        Assert.Matches($"^cgroup: write {pid} to /sys/fs/cgroup/.*/{_scope.Name}/cgroup.procs: no such process$", e.Message);
    }
}
