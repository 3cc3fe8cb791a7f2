using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.Devices;
using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>Apply, freezer and device policy on a cgroup2 tree imitated in a temp directory, with the control files a v2 kernel creates.</summary>
public sealed class V2ResourcesFakeTreeTests : IDisposable
{
    private readonly FakeCgroupFileSystem _fs = FakeCgroupFileSystem.Cgroup2("cpuset cpu io memory hugetlb pids rdma");
    private readonly string _dir;

    public V2ResourcesFakeTreeTests()
    {
        _dir = Path.Combine(_fs.Root, "berth", "c1");
        new V2Manager("/berth/c1", _dir, _fs).Create();
        foreach (var (name, value) in new[]
        {
            ("memory.max", "max"), ("memory.swap.max", "max"), ("memory.low", "0"), ("memory.current", "4096"),
            ("cpu.weight", "100"), ("cpu.max", "max 100000"), ("cpu.max.burst", "0"), ("cpu.idle", "0"),
            ("cpuset.cpus", ""), ("cpuset.mems", ""), ("io.max", ""), ("io.weight", "default 100"),
            ("pids.max", "max"), ("hugetlb.2MB.max", "max"), ("rdma.max", ""), ("memory.high", "max"),
        })
        {
            File.WriteAllText(Path.Combine(_dir, name), value + "\n");
        }

        // What the kernel shows once the ancestors delegate every controller.
        File.WriteAllText(Path.Combine(_fs.Root, "berth", "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");
        File.WriteAllText(Path.Combine(_dir, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");
        _fs.Operations.Clear();
    }

    public void Dispose() => _fs.Dispose();

    private V2Manager Manager() => new("/berth/c1", _dir, _fs) { FreezeTimeout = TimeSpan.FromMilliseconds(100) };

    private List<string> Writes(string? file = null) =>
        [.. _fs.Operations.Where(o => o.StartsWith($"write {(file is null ? _dir : Path.Combine(_dir, file))}", StringComparison.Ordinal))];

    private string W(string file, string value) => $"write {Path.Combine(_dir, file)} {value}";

    [Fact]
    public void Apply_enables_the_available_controllers_in_every_ancestor()
    {
        Manager().Apply(new LinuxResources());

        var all = "+cpuset +cpu +io +memory +hugetlb +pids +rdma";
        Assert.Equal(
            [$"write {Path.Combine(_fs.Root, "cgroup.subtree_control")} {all}", $"write {Path.Combine(_fs.Root, "berth", "cgroup.subtree_control")} {all}"],
            _fs.Operations);
    }

    [Fact]
    public void Memory_swap_is_written_as_swap_alone_before_the_limit()
    {
        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1048576, Swap = 3145728, Reservation = 524288 } });

        Assert.Equal([W("memory.swap.max", "2097152"), W("memory.max", "1048576"), W("memory.low", "524288")], Writes());
    }

    [Fact]
    public void Swap_equal_to_the_limit_disables_swap()
    {
        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1048576, Swap = 1048576 } });

        Assert.Equal([W("memory.swap.max", "0"), W("memory.max", "1048576")], Writes());
    }

    [Fact]
    public void Unlimited_memory_is_written_as_max_for_memory_and_swap()
    {
        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });

        Assert.Equal([W("memory.swap.max", "max"), W("memory.max", "max")], Writes());
    }

    [Fact]
    public void Check_before_update_refuses_a_limit_below_the_usage()
    {
        var e = Assert.Throws<CgroupException>(() =>
            Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 4096, CheckBeforeUpdate = true } }));

        Assert.Equal("linux.resources.memory.limit: rejecting memory limit 4096 below the current usage 4096", e.Message);
        Assert.Empty(Writes("memory.max"));
    }

    [Fact]
    public void Swappiness_and_oom_killer_have_no_v2_file_and_are_ignored()
    {
        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Swappiness = 0, DisableOomKiller = true } });

        Assert.Empty(Writes());
    }

    [Fact]
    public void Cpu_shares_become_weight_and_quota_with_period_becomes_cpu_max()
    {
        Manager().Apply(new LinuxResources { Cpu = new LinuxCpu { Shares = 1024, Quota = 50000, Period = 100000 } });

        Assert.Equal([W("cpu.weight", "39"), W("cpu.max", "50000 100000")], Writes());
    }

    [Fact]
    public void A_negative_quota_is_max()
    {
        Manager().Apply(new LinuxResources { Cpu = new LinuxCpu { Quota = -1 } });

        Assert.Equal([W("cpu.max", "max")], Writes());
    }

    [Fact]
    public void Burst_is_written_again_after_the_quota()
    {
        Manager().Apply(new LinuxResources { Cpu = new LinuxCpu { Quota = 20000, Burst = 10000 } });

        Assert.Equal([W("cpu.max.burst", "10000"), W("cpu.max", "20000"), W("cpu.max.burst", "10000")], Writes());
    }

    [Fact]
    public void Realtime_limits_are_refused_on_v2()
    {
        var e = Assert.Throws<CgroupException>(() => Manager().Apply(new LinuxResources { Cpu = new LinuxCpu { RealtimeRuntime = 1000 } }));

        Assert.Equal("linux.resources.cpu.realtimeRuntime: realtime scheduling limits are not supported on cgroup v2", e.Message);
    }

    [Fact]
    public void Blkio_weight_without_bfq_is_scaled_into_io_weight()
    {
        Manager().Apply(new LinuxResources { BlockIO = new LinuxBlockIO { Weight = 500 } });

        Assert.Equal([W("io.weight", "4950")], Writes());
    }

    [Fact]
    public void Blkio_weight_with_bfq_goes_unscaled_to_io_bfq_weight()
    {
        File.WriteAllText(Path.Combine(_dir, "io.bfq.weight"), "default 100\n");

        Manager().Apply(new LinuxResources { BlockIO = new LinuxBlockIO { Weight = 500 } });

        Assert.Equal([W("io.bfq.weight", "500")], Writes());
    }

    [Fact]
    public void Throttles_become_io_max_lines()
    {
        Manager().Apply(new LinuxResources
        {
            BlockIO = new LinuxBlockIO
            {
                ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
                ThrottleWriteBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 2097152 }],
                ThrottleReadIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 100 }],
                ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 200 }],
            },
        });

        Assert.Equal(
            [W("io.max", "8:0 rbps=1048576"), W("io.max", "8:0 wbps=2097152"), W("io.max", "8:0 riops=100"), W("io.max", "8:0 wiops=200")],
            Writes());
    }

    [Fact]
    public void Pids_cpuset_hugetlb_and_rdma_go_to_their_files()
    {
        Manager().Apply(new LinuxResources
        {
            Pids = new LinuxPids { Limit = 64 },
            Cpu = new LinuxCpu { Cpus = "0", Mems = "0" },
            HugepageLimits = [new LinuxHugepageLimit { PageSize = "2MB", Limit = 4194304 }],
            Rdma = new Dictionary<string, LinuxRdma> { ["mlx5_1"] = new() { HcaHandles = 3, HcaObjects = 1000 } },
        });

        Assert.Equal(
            [
                W("pids.max", "64"), W("cpuset.cpus", "0"), W("cpuset.mems", "0"), W("hugetlb.2MB.max", "4194304"),
                W("rdma.max", "mlx5_1 hca_handle=3 hca_object=1000"),
            ],
            Writes());
    }

    [Fact]
    public void Unified_values_are_written_last()
    {
        Manager().Apply(new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 1048576 },
            Unified = new Dictionary<string, string> { ["memory.high"] = "524288" },
        });

        Assert.Equal(W("memory.high", "524288"), Writes().Last());
    }

    [Fact]
    public void An_unknown_unified_key_is_named()
    {
        var e = Assert.Throws<CgroupException>(() =>
            Manager().Apply(new LinuxResources { Unified = new Dictionary<string, string> { ["memory.bogus"] = "1" } }));

        Assert.Equal($"linux.resources.unified[\"memory.bogus\"]: unknown key: {Path.Combine(_dir, "memory.bogus")} does not exist", e.Message);
    }

    [Fact]
    public void A_unified_key_of_an_unavailable_controller_is_named()
    {
        var e = Assert.Throws<CgroupException>(() =>
            Manager().Apply(new LinuxResources { Unified = new Dictionary<string, string> { ["misc.max"] = "1" } }));

        Assert.Equal($"linux.resources.unified[\"misc.max\"]: unknown key: controller \"misc\" is not available in {_dir}", e.Message);
    }

    [Fact]
    public void A_unified_key_with_a_path_is_refused_before_any_write()
    {
        var e = Assert.Throws<CgroupException>(() =>
            Manager().Apply(new LinuxResources { Unified = new Dictionary<string, string> { ["../memory.max"] = "1" } }));

        Assert.Equal("linux.resources.unified[\"../memory.max\"]: a key must be a cgroup file name of the form CONTROLLER.PARAMETER", e.Message);
        Assert.Empty(Writes());
    }

    [Fact]
    public void Network_limits_are_refused_on_v2()
    {
        var e = Assert.Throws<CgroupException>(() => Manager().Apply(new LinuxResources { Network = new LinuxNetwork { ClassId = 1 } }));

        Assert.StartsWith("linux.resources.network: ", e.Message);
    }

    [Fact]
    public void Freeze_returns_once_cgroup_events_reports_frozen()
    {
        File.WriteAllText(Path.Combine(_dir, "cgroup.freeze"), "0\n");
        File.WriteAllText(Path.Combine(_dir, "cgroup.events"), "populated 1\nfrozen 1\n");

        Manager().Freeze();

        Assert.Equal([W("cgroup.freeze", "1")], Writes());
        Assert.Equal(FreezerState.Frozen, Manager().FreezerState);
    }

    [Fact]
    public void A_freeze_that_never_settles_is_undone_and_reported()
    {
        File.WriteAllText(Path.Combine(_dir, "cgroup.freeze"), "0\n");

        var e = Assert.Throws<CgroupException>(Manager().Freeze);

        Assert.Equal([W("cgroup.freeze", "1"), W("cgroup.freeze", "0")], Writes());
        Assert.Contains("did not report \"frozen 1\"", e.Message);
    }

    [Fact]
    public void Freezer_state_is_undefined_without_cgroup_freeze()
    {
        Assert.Equal(FreezerState.Undefined, Manager().FreezerState);
    }

    [Fact]
    public void ApplyDevices_compiles_the_rules_and_hands_the_program_to_the_installer()
    {
        IReadOnlyList<BpfInstruction>? installed = null;
        string? where = null;
        var manager = new V2Manager("/berth/c1", _dir, _fs) { DeviceFilterInstaller = (d, p) => (where, installed) = (d, p) };

        manager.ApplyDevices([new LinuxDeviceCgroup { Allow = false, Access = "rwm" }, .. DeviceRules.Defaults]);

        Assert.Equal(_dir, where);
        Assert.NotNull(installed);
        Assert.Equal(0x95, installed[^1].Code);
    }
}
