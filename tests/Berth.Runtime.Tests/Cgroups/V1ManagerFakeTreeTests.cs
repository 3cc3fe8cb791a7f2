using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.V1;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>The v1 manager on v1 hierarchies imitated in a temp directory.</summary>
public sealed class V1ManagerFakeTreeTests : IDisposable
{
    private readonly FakeCgroupFileSystem _fs = FakeCgroupFileSystem.Empty();
    private readonly CgroupMounts _mounts;

    public V1ManagerFakeTreeTests()
    {
        var cpuset = _fs.AddV1Hierarchy("cpuset", cpus: "0-7", mems: "0-1");
        var cpu = _fs.AddV1Hierarchy("cpu,cpuacct");
        var devices = _fs.AddV1Hierarchy("devices");
        var systemd = _fs.AddV1Hierarchy("systemd");
        _mounts = CgroupMounts.Parse($"""
            30 24 0:31 / {cpuset} rw - cgroup cgroup rw,cpuset
            31 24 0:32 / {cpu} rw - cgroup cgroup rw,cpu,cpuacct
            32 24 0:33 / {devices} rw - cgroup cgroup rw,devices
            33 24 0:34 / {systemd} rw - cgroup cgroup rw,xattr,name=systemd

            """);
    }

    public void Dispose() => _fs.Dispose();

    private ICgroupManager Manager(string cgroupsPath = "/berth/c1") =>
        CgroupManagerFactory.Create(cgroupsPath, "c1", _mounts, ownCgroupFile: null, _fs);

    private string Dir(string relative) => Path.Combine(_fs.Root, relative);

    [Fact]
    public void Create_makes_the_cgroup_in_every_hierarchy_including_named_ones()
    {
        Manager().Create();

        Assert.True(Directory.Exists(Dir("cpuset/berth/c1")));
        Assert.True(Directory.Exists(Dir("cpu,cpuacct/berth/c1")));
        Assert.True(Directory.Exists(Dir("devices/berth/c1")));
        Assert.True(Directory.Exists(Dir("systemd/berth/c1")));
    }

    [Fact]
    public void Create_gives_new_cpuset_cgroups_their_parents_cpus_and_mems()
    {
        Manager().Create();

        Assert.Equal("0-7\n", File.ReadAllText(Dir("cpuset/berth/cpuset.cpus")));
        Assert.Equal("0-1\n", File.ReadAllText(Dir("cpuset/berth/cpuset.mems")));
        Assert.Equal("0-7\n", File.ReadAllText(Dir("cpuset/berth/c1/cpuset.cpus")));
        Assert.Equal("0-1\n", File.ReadAllText(Dir("cpuset/berth/c1/cpuset.mems")));
    }

    [Fact]
    public void Create_fills_cpuset_levels_top_down_before_the_leaf()
    {
        Manager().Create();

        var cpusetOps = _fs.Operations.Where(o => o.Contains("/cpuset/", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                $"mkdir {Dir("cpuset/berth")}",
                $"write {Dir("cpuset/berth/cpuset.cpus")} 0-7",
                $"write {Dir("cpuset/berth/cpuset.mems")} 0-1",
                $"mkdir {Dir("cpuset/berth/c1")}",
                $"write {Dir("cpuset/berth/c1/cpuset.cpus")} 0-7",
                $"write {Dir("cpuset/berth/c1/cpuset.mems")} 0-1",
            ],
            cpusetOps);
    }

    [Fact]
    public void Create_keeps_cpuset_values_a_parent_already_has()
    {
        _fs.CreateDirectory(Dir("cpuset/berth"));
        _fs.WriteFile(Dir("cpuset/berth/cpuset.cpus"), "2-3");
        _fs.WriteFile(Dir("cpuset/berth/cpuset.mems"), "0");

        Manager().Create();

        Assert.Equal("2-3\n", File.ReadAllText(Dir("cpuset/berth/c1/cpuset.cpus")));
        Assert.Equal("2-3\n", File.ReadAllText(Dir("cpuset/berth/cpuset.cpus")));
    }

    [Fact]
    public void AddProcess_writes_each_hierarchy_once_even_when_comounted()
    {
        var manager = Manager();
        manager.Create();
        _fs.Operations.Clear();

        manager.AddProcess(77);

        Assert.Equal(4, _fs.Operations.Count);
        Assert.Equal([77], _fs.PidsIn(Dir("cpu,cpuacct/berth/c1")));
        Assert.Equal([77], _fs.PidsIn(Dir("systemd/berth/c1")));
        Assert.Equal([77], _fs.PidsIn(Dir("cpuset/berth/c1")));
    }

    [Fact]
    public void GetPids_reads_the_devices_hierarchy()
    {
        var manager = Manager();
        manager.Create();
        _fs.Seed(Dir("devices/berth/c1"), 5);
        _fs.Seed(Dir("systemd/berth/c1"), 6);

        Assert.Equal([5], manager.GetPids());
    }

    [Fact]
    public void Exists_reads_the_devices_hierarchy()
    {
        var manager = Manager();
        manager.Create();

        Directory.Delete(Dir("devices/berth/c1"), recursive: true);

        Assert.False(manager.Exists());
    }

    [Fact]
    public void Destroy_removes_the_cgroup_from_every_hierarchy()
    {
        var manager = Manager();
        manager.Create();

        manager.Destroy();

        Assert.All(["cpuset", "cpu,cpuacct", "devices", "systemd"], h => Assert.False(Directory.Exists(Dir($"{h}/berth/c1"))));
    }

    [Fact]
    public void Destroy_tolerates_hierarchies_where_the_cgroup_is_already_gone()
    {
        var manager = Manager();
        manager.Create();
        _fs.RemoveDirectory(Dir("devices/berth/c1"));

        manager.Destroy();

        Assert.False(Directory.Exists(Dir("cpuset/berth/c1")));
    }

    [Fact]
    public void Manager_rebuilt_from_recorded_paths_destroys_the_same_cgroups()
    {
        var created = Manager();
        created.Create();

        new V1Manager(created.Path, created.Paths, _fs).Destroy();

        Assert.False(created.Exists());
        Assert.False(Directory.Exists(Dir("systemd/berth/c1")));
    }
}
