using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.V1;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>Apply on v1 hierarchies imitated in a temp directory: what is written, where, and in which order.</summary>
public sealed class V1ResourcesFakeTreeTests : IDisposable
{
    private readonly FakeCgroupFileSystem _fs = FakeCgroupFileSystem.Empty();
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);

    public V1ResourcesFakeTreeTests()
    {
        foreach (var controller in new[] { "cpu", "cpuset", "memory", "pids", "blkio" })
        {
            var dir = Path.Combine(_fs.AddV1Hierarchy(controller), "c1");
            Directory.CreateDirectory(dir);
            _paths[controller] = dir;
        }

        Files("memory", ("memory.limit_in_bytes", "9223372036854771712"), ("memory.memsw.limit_in_bytes", "9223372036854771712"),
            ("memory.soft_limit_in_bytes", ""), ("memory.oom_control", ""), ("memory.swappiness", "60"));
        Files("cpu", ("cpu.shares", "1024"), ("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "-1"), ("cpu.cfs_burst_us", "0"),
            ("cpu.idle", "0"), ("cpu.rt_period_us", "1000000"), ("cpu.rt_runtime_us", "0"));
        Files("cpuset", ("cpuset.cpus", "0-3"), ("cpuset.mems", "0"));
        Files("pids", ("pids.max", "max"));
        Files("blkio", ("blkio.bfq.weight", "100"), ("blkio.bfq.weight_device", ""), ("blkio.leaf_weight", ""),
            ("blkio.throttle.read_bps_device", ""), ("blkio.throttle.write_bps_device", ""),
            ("blkio.throttle.read_iops_device", ""), ("blkio.throttle.write_iops_device", ""));
    }

    public void Dispose() => _fs.Dispose();

    private V1Manager Manager() => new("/c1", _paths, _fs);

    private void Files(string controller, params (string Name, string Value)[] files)
    {
        foreach (var (name, value) in files)
            File.WriteAllText(Path.Combine(_paths[controller], name), value + "\n");
    }

    private List<string> Writes() => [.. _fs.Operations.Where(o => o.StartsWith("write ", StringComparison.Ordinal))];

    private string W(string controller, string file, string value) => $"write {Path.Combine(_paths[controller], file)} {value}";

    [Fact]
    public void Raising_memory_writes_memsw_before_the_limit()
    {
        Files("memory", ("memory.limit_in_bytes", "1048576"));

        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 2097152, Swap = 4194304 } });

        Assert.Equal([W("memory", "memory.memsw.limit_in_bytes", "4194304"), W("memory", "memory.limit_in_bytes", "2097152")], Writes());
    }

    [Fact]
    public void Lowering_memory_writes_the_limit_before_memsw()
    {
        Files("memory", ("memory.limit_in_bytes", "8388608"));

        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1048576, Swap = 2097152 } });

        Assert.Equal([W("memory", "memory.limit_in_bytes", "1048576"), W("memory", "memory.memsw.limit_in_bytes", "2097152")], Writes());
    }

    [Fact]
    public void Unlimited_memory_without_swap_makes_memsw_unlimited_first()
    {
        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });

        Assert.Equal([W("memory", "memory.memsw.limit_in_bytes", "-1"), W("memory", "memory.limit_in_bytes", "-1")], Writes());
    }

    [Fact]
    public void Kernel_memory_is_accepted_and_not_written()
    {
        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Kernel = 1048576, KernelTCP = 1048576 } });

        Assert.Empty(Writes());
    }

    [Fact]
    public void Reservation_oom_killer_and_swappiness_go_to_their_files()
    {
        Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Reservation = 4096, DisableOomKiller = true, Swappiness = 10 } });

        Assert.Equal(
            [W("memory", "memory.soft_limit_in_bytes", "4096"), W("memory", "memory.oom_control", "1"), W("memory", "memory.swappiness", "10")],
            Writes());
    }

    [Fact]
    public void Swappiness_above_100_is_refused_naming_the_field()
    {
        var e = Assert.Throws<CgroupException>(() => Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Swappiness = 101 } }));

        Assert.Equal("linux.resources.memory.swappiness: invalid value 101 (valid range is 0-100)", e.Message);
    }

    [Fact]
    public void A_busy_memory_limit_names_the_field_value_and_file()
    {
        var limitFile = Path.Combine(_paths["memory"], "memory.limit_in_bytes");
        _fs.Fault = (op, path) => op == "write" && path == limitFile ? 16 : null;

        var e = Assert.Throws<CgroupException>(() => Manager().Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 1048576 } }));

        Assert.Equal($"linux.resources.memory.limit: write 1048576 to {limitFile}: device or resource busy", e.Message);
        Assert.Equal(16, e.Errno);
    }

    [Fact]
    public void Cpu_writes_shares_period_quota_burst_idle_and_realtime_in_runc_order()
    {
        Manager().Apply(new LinuxResources
        {
            Cpu = new LinuxCpu { Shares = 512, Period = 50000, Quota = 25000, Burst = 1000, Idle = 0, RealtimePeriod = 1000000, RealtimeRuntime = 950000 },
        });

        Assert.Equal(
            [
                W("cpu", "cpu.shares", "512"), W("cpu", "cpu.cfs_period_us", "50000"), W("cpu", "cpu.cfs_quota_us", "25000"),
                W("cpu", "cpu.cfs_burst_us", "1000"), W("cpu", "cpu.idle", "0"), W("cpu", "cpu.rt_period_us", "1000000"),
                W("cpu", "cpu.rt_runtime_us", "950000"),
            ],
            Writes());
    }

    [Fact]
    public void A_period_refused_before_the_quota_is_written_again_after_it()
    {
        var period = Path.Combine(_paths["cpu"], "cpu.cfs_period_us");
        var refused = false;
        _fs.Fault = (op, path) => op == "write" && path == period && !refused && (refused = true) ? 22 : null;

        Manager().Apply(new LinuxResources { Cpu = new LinuxCpu { Period = 10000, Quota = 5000 } });

        Assert.Equal([W("cpu", "cpu.cfs_quota_us", "5000"), W("cpu", "cpu.cfs_period_us", "10000")], Writes());
    }

    [Fact]
    public void Shares_the_kernel_clamps_are_reported()
    {
        var shares = Path.Combine(_paths["cpu"], "cpu.shares");
        _fs.Fault = (op, path) =>
        {
            if (op == "read" && path == shares)
                File.WriteAllText(shares, "262144\n");
            return null;
        };

        var e = Assert.Throws<CgroupException>(() => Manager().Apply(new LinuxResources { Cpu = new LinuxCpu { Shares = 500000 } }));

        Assert.Equal("linux.resources.cpu.shares: the maximum allowed cpu-shares is 262144", e.Message);
    }

    [Fact]
    public void Cpus_and_mems_go_to_the_cpuset_hierarchy()
    {
        Manager().Apply(new LinuxResources { Cpu = new LinuxCpu { Cpus = "0-1", Mems = "0" } });

        Assert.Equal([W("cpuset", "cpuset.cpus", "0-1"), W("cpuset", "cpuset.mems", "0")], Writes());
    }

    [Theory]
    [InlineData(100L, "100")]
    [InlineData(-1L, "max")]
    public void Pids_limit_is_written_with_max_for_unlimited(long limit, string written)
    {
        Manager().Apply(new LinuxResources { Pids = new LinuxPids { Limit = limit } });

        Assert.Equal([W("pids", "pids.max", written)], Writes());
    }

    [Fact]
    public void Pids_limit_zero_is_left_alone()
    {
        Manager().Apply(new LinuxResources { Pids = new LinuxPids { Limit = 0 } });

        Assert.Empty(Writes());
    }

    [Fact]
    public void Blkio_uses_the_bfq_files_when_there_is_no_cfq_weight()
    {
        Manager().Apply(new LinuxResources
        {
            BlockIO = new LinuxBlockIO
            {
                Weight = 300,
                WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 500 }],
                ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
                ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 100 }],
            },
        });

        Assert.Equal(
            [
                W("blkio", "blkio.bfq.weight", "300"), W("blkio", "blkio.bfq.weight_device", "8:0 500"),
                W("blkio", "blkio.throttle.read_bps_device", "8:0 1048576"), W("blkio", "blkio.throttle.write_iops_device", "8:16 100"),
            ],
            Writes());
    }

    [Fact]
    public void Unified_on_v1_is_refused()
    {
        var e = Assert.Throws<CgroupException>(() =>
            Manager().Apply(new LinuxResources { Unified = new Dictionary<string, string> { ["memory.high"] = "1G" } }));

        Assert.Equal("linux.resources.unified: cgroup v2 is not enabled on this host, cannot use unified resources", e.Message);
    }

    [Fact]
    public void A_limit_for_a_core_controller_that_is_not_mounted_names_the_field()
    {
        _paths.Remove("pids");
        var e = Assert.Throws<CgroupException>(() =>
            Manager().Apply(new LinuxResources { Pids = new LinuxPids { Limit = 10 } }));

        Assert.Equal("linux.resources.pids.limit: the pids controller is not mounted on this host", e.Message);
    }

    [Fact]
    public void A_setting_for_an_optional_controller_that_is_not_mounted_is_skipped_as_runc_does()
    {
        Manager().Apply(new LinuxResources
        {
            Network = new LinuxNetwork { ClassId = 0x100001 },
            HugepageLimits = [new LinuxHugepageLimit { PageSize = "2MB", Limit = 1 << 21 }],
        });
    }

    [Fact]
    public void Freeze_writes_frozen_and_reads_the_state_back()
    {
        var freezer = Path.Combine(_fs.AddV1Hierarchy("freezer"), "c1");
        Directory.CreateDirectory(freezer);
        File.WriteAllText(Path.Combine(freezer, "freezer.state"), "THAWED\n");
        _paths["freezer"] = freezer;

        Manager().Freeze();

        Assert.Equal(FreezerState.Frozen, Manager().FreezerState);
    }
}
