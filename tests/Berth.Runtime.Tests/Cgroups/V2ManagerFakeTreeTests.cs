using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>The v2 manager on a cgroup2 tree imitated in a temp directory.</summary>
public sealed class V2ManagerFakeTreeTests : IDisposable
{
    private readonly FakeCgroupFileSystem _fs = FakeCgroupFileSystem.Cgroup2();

    public void Dispose() => _fs.Dispose();

    private ICgroupManager Manager(string cgroupsPath = "/berth/c1")
    {
        var mounts = CgroupMounts.Parse($"50 1 0:40 / {_fs.Root} rw - cgroup2 cgroup2 rw\n");
        return CgroupManagerFactory.Create(cgroupsPath, "c1", mounts, ownCgroupFile: null, _fs);
    }

    private string Dir(string relative) => Path.Combine(_fs.Root, relative);

    [Fact]
    public void Factory_resolves_an_absolute_path_inside_the_cgroup2_mount()
    {
        var manager = Manager();

        Assert.IsType<V2Manager>(manager);
        Assert.Equal(Dir("berth/c1"), manager.Paths[""]);
    }

    [Fact]
    public void Create_makes_the_cgroup_and_its_missing_parents_top_down()
    {
        var manager = Manager();

        manager.Create();

        Assert.Equal([$"mkdir {Dir("berth")}", $"mkdir {Dir("berth/c1")}"], _fs.Operations);
        Assert.True(File.Exists(Path.Combine(Dir("berth/c1"), "cgroup.events")));
    }

    [Fact]
    public void Create_of_an_existing_cgroup_changes_nothing()
    {
        var manager = Manager();
        manager.Create();
        _fs.Operations.Clear();

        manager.Create();

        Assert.Empty(_fs.Operations);
    }

    [Fact]
    public void Exists_follows_create_and_destroy()
    {
        var manager = Manager();
        Assert.False(manager.Exists());

        manager.Create();
        Assert.True(manager.Exists());

        manager.Destroy();
        Assert.False(manager.Exists());
    }

    [Fact]
    public void AddProcess_writes_the_pid_to_cgroup_procs()
    {
        var manager = Manager();
        manager.Create();

        manager.AddProcess(4242);

        Assert.Equal([4242], _fs.PidsIn(Dir("berth/c1")));
    }

    [Fact]
    public void AddProcess_retries_while_the_kernel_refuses_a_process_still_being_forked()
    {
        var manager = Manager();
        manager.Create();
        var refusals = 2;
        _fs.Fault = (op, _) => op == "write" && refusals-- > 0 ? 22 : null;

        manager.AddProcess(4242);

        Assert.Equal([4242], _fs.PidsIn(Dir("berth/c1")));
    }

    [Fact]
    public void AddProcess_to_a_cgroup_never_created_names_the_file_and_pid()
    {
        var manager = Manager();

        var e = Assert.Throws<CgroupException>(() => manager.AddProcess(4242));

        Assert.Equal(2, e.Errno);
        Assert.Contains(Path.Combine(Dir("berth/c1"), "cgroup.procs"), e.Message);
    }

    [Fact]
    public void GetPids_includes_the_processes_of_child_cgroups()
    {
        var manager = Manager();
        manager.Create();
        manager.AddProcess(10);
        _fs.CreateDirectory(Dir("berth/c1/sub"));
        _fs.Seed(Dir("berth/c1/sub"), 30);
        _fs.Seed(Dir("berth/c1/sub"), 20);

        Assert.Equal([10, 20, 30], manager.GetPids());
    }

    [Fact]
    public void Destroy_removes_child_cgroups_deepest_first()
    {
        var manager = Manager();
        manager.Create();
        _fs.CreateDirectory(Dir("berth/c1/a"));
        _fs.CreateDirectory(Dir("berth/c1/a/b"));
        _fs.Operations.Clear();

        manager.Destroy();

        Assert.Equal(
            [$"rmdir {Dir("berth/c1/a/b")}", $"rmdir {Dir("berth/c1/a")}", $"rmdir {Dir("berth/c1")}"],
            _fs.Operations.Where(o => !o.EndsWith("EBUSY", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(Dir("berth/c1")));
        Assert.True(Directory.Exists(Dir("berth")));
    }

    [Fact]
    public void Destroy_of_a_missing_cgroup_succeeds()
    {
        var manager = Manager();

        manager.Destroy();

        Assert.False(manager.Exists());
    }

    [Fact]
    public void Destroy_retries_while_exiting_processes_keep_the_cgroup_busy()
    {
        var manager = Manager();
        manager.Create();
        manager.AddProcess(4242);
        var busyRemovals = 0;
        _fs.Fault = (op, _) =>
        {
            if (op == "remove" && ++busyRemovals == 3)
                File.WriteAllText(Path.Combine(Dir("berth/c1"), "cgroup.procs"), "");
            return null;
        };

        manager.Destroy();

        Assert.False(manager.Exists());
    }

    [Fact]
    public void Destroy_gives_up_with_EBUSY_when_a_process_never_leaves()
    {
        var manager = Manager();
        manager.Create();
        manager.AddProcess(4242);

        var e = Assert.Throws<CgroupException>(manager.Destroy);

        Assert.Equal(16, e.Errno);
        Assert.Equal($"cgroup: remove {Dir("berth/c1")}: device or resource busy", e.Message);
        Assert.Equal(5, _fs.Operations.Count(o => o == $"rmdir {Dir("berth/c1")}: EBUSY"));
    }

    [Fact]
    public void Destroy_does_not_retry_an_error_other_than_EBUSY()
    {
        var manager = Manager();
        manager.Create();
        _fs.Fault = (op, _) => op == "remove" ? 13 : null;

        var e = Assert.Throws<CgroupException>(manager.Destroy);

        Assert.Equal($"cgroup: remove {Dir("berth/c1")}: permission denied", e.Message);
    }

    [Fact]
    public void Create_failure_names_the_operation_and_directory()
    {
        var manager = Manager();
        _fs.Fault = (op, _) => op == "create" ? 13 : null;

        var e = Assert.Throws<CgroupException>(manager.Create);

        Assert.Equal($"cgroup: create {Dir("berth")}: permission denied", e.Message);
        Assert.Equal("create", e.Operation);
        Assert.Equal(Dir("berth"), e.Path);
    }
}
