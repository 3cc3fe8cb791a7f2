using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.Oom;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>Resource limits, freezer, statistics and OOM events on this host's real v1 hierarchies (root).</summary>
public sealed class HostV1ResourcesTests : IDisposable
{
    private const long SixteenMiB = 16 * 1024 * 1024;

    private readonly HostCgroupScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private ICgroupManager Created()
    {
        var manager = CgroupManagerFactory.Create(_scope.CgroupsPath, "c1", _scope.Mounts);
        manager.Create();
        return manager;
    }

    private static string Read(ICgroupManager manager, string controller, string file) =>
        File.ReadAllText(Path.Combine(manager.Paths[controller], file)).Trim();

    [HostCgroupV1Fact]
    public void Apply_sets_the_memory_limit_and_memory_plus_swap()
    {
        var manager = Created();

        manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = SixteenMiB, Swap = 2 * SixteenMiB } });

        Assert.Equal("16777216", Read(manager, "memory", "memory.limit_in_bytes"));
        Assert.Equal("33554432", Read(manager, "memory", "memory.memsw.limit_in_bytes"));
    }

    [HostCgroupV1Fact]
    public void Apply_can_lower_memory_plus_swap_and_the_limit_together()
    {
        var manager = Created();
        manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 4 * SixteenMiB, Swap = 8 * SixteenMiB } });

        manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = SixteenMiB, Swap = SixteenMiB } });

        Assert.Equal("16777216", Read(manager, "memory", "memory.memsw.limit_in_bytes"));
    }

    [HostCgroupV1Fact]
    public void Apply_sets_cpu_shares_quota_and_period()
    {
        var manager = Created();

        manager.Apply(new LinuxResources { Cpu = new LinuxCpu { Shares = 512, Quota = 25000, Period = 50000 } });

        Assert.Equal(("512", "25000", "50000"),
            (Read(manager, "cpu", "cpu.shares"), Read(manager, "cpu", "cpu.cfs_quota_us"), Read(manager, "cpu", "cpu.cfs_period_us")));
    }

    [HostCgroupV1Fact]
    public void Apply_sets_the_pids_limit()
    {
        var manager = Created();

        manager.Apply(new LinuxResources { Pids = new LinuxPids { Limit = 42 } });

        Assert.Equal("42", Read(manager, "pids", "pids.max"));
    }

    [HostCgroupV1Fact]
    public void A_value_the_kernel_refuses_names_the_field_value_and_file()
    {
        var manager = Created();

        var e = Assert.Throws<CgroupException>(() => manager.Apply(new LinuxResources { Cpu = new LinuxCpu { Cpus = "9999" } }));

        // The errno depends on the kernel: EINVAL on older ones, ERANGE for a CPU number past the last.
        Assert.Matches($"^linux.resources.cpu.cpus: write 9999 to {manager.Paths["cpuset"]}/cpuset.cpus: (invalid argument|numerical result out of range)$", e.Message);
    }

    [HostCgroupV1Fact]
    public void A_memory_limit_below_the_usage_reports_the_busy_write()
    {
        var manager = Created();
        using var hog = _scope.StartShell("read _; python3 -c 'import sys, time; b = b\"x\" * (48 << 20); print(\"ready\", flush=True); time.sleep(60)'");
        manager.AddProcess(hog.Id);
        hog.StandardInput.WriteLine();
        Assert.Equal("ready", hog.StandardOutput.ReadLine());

        var e = Assert.Throws<CgroupException>(() => manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 8 << 20 } }));

        Assert.Equal($"linux.resources.memory.limit: write 8388608 to {manager.Paths["memory"]}/memory.limit_in_bytes: device or resource busy", e.Message);
    }

    [HostCgroupV1Fact]
    public void Freeze_then_thaw_moves_the_freezer_through_both_states()
    {
        var manager = Created();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);

        manager.Freeze();
        var frozen = manager.FreezerState;
        manager.Thaw();

        Assert.Equal((FreezerState.Frozen, FreezerState.Thawed), (frozen, manager.FreezerState));
    }

    [HostCgroupV1Fact]
    public void GetStats_reports_the_pids_memory_and_cpu_of_the_cgroup()
    {
        var manager = Created();
        manager.Apply(new LinuxResources { Pids = new LinuxPids { Limit = 10 }, Memory = new LinuxMemory { Limit = 4 * SixteenMiB } });
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);

        var stats = manager.GetStats();

        Assert.Equal((1UL, 10UL), (stats.Pids.Current, stats.Pids.Limit));
        Assert.Equal((ulong)(4 * SixteenMiB), stats.Memory.Usage.Limit);
        Assert.NotNull(stats.Memory.Raw);
        Assert.True(stats.Memory.Raw.ContainsKey("rss"));
    }

    [HostCgroupV1Fact]
    public void A_process_over_the_memory_limit_is_killed_and_the_oom_event_arrives()
    {
        var manager = Created();
        manager.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = SixteenMiB, Swap = SixteenMiB } });
        using var notifier = OomNotifier.Open(manager);
        // tail keeps the whole of its one endless "line" in memory.
        using var hog = _scope.StartShell("read _; exec tail /dev/zero");
        manager.AddProcess(hog.Id);

        hog.StandardInput.WriteLine();
        var oom = notifier.WaitForEvent(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.NotNull(oom);
        Assert.True(hog.WaitForExit(30_000));
        Assert.Equal(137, hog.ExitCode);
        Assert.True(notifier.OomKillCount >= 1);
    }
}
