using System.Text.Json;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.Oom;
using Berth.Runtime.Cgroups.Stats;
using Berth.Runtime.Cgroups.V1;
using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>Statistics and OOM counting from fake v1 and v2 trees holding the files the kernel prints, and their JSON names.</summary>
public sealed class CgroupStatsTests : IDisposable
{
    private readonly FakeCgroupFileSystem _fs = FakeCgroupFileSystem.Cgroup2();

    public void Dispose() => _fs.Dispose();

    private string V2Dir(params (string Name, string Text)[] files)
    {
        var dir = Path.Combine(_fs.Root, "c1");
        _fs.CreateDirectory(dir);
        foreach (var (name, text) in files)
            File.WriteAllText(Path.Combine(dir, name), text);
        return dir;
    }

    [Fact]
    public void V2_cpu_stat_is_reported_in_nanoseconds()
    {
        var dir = V2Dir(("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 2\nthrottled_usec 30\n"));

        var cpu = new V2Manager("/c1", dir, _fs).GetStats().Cpu;

        Assert.Equal((1_500_000UL, 1_000_000UL, 500_000UL), (cpu.Usage.Total, cpu.Usage.User, cpu.Usage.Kernel));
        Assert.Equal((4UL, 2UL, 30_000UL), (cpu.Throttling.Periods, cpu.Throttling.ThrottledPeriods, cpu.Throttling.ThrottledTime));
    }

    [Fact]
    public void V2_swap_is_reported_as_memory_plus_swap()
    {
        var dir = V2Dir(("memory.current", "1000\n"), ("memory.max", "4096\n"), ("memory.swap.current", "24\n"), ("memory.swap.max", "1024\n"),
            ("memory.stat", "anon 700\nfile 300\n"), ("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"));

        var memory = new V2Manager("/c1", dir, _fs).GetStats().Memory;

        Assert.Equal((1000UL, 4096UL, 3UL), (memory.Usage.Usage, memory.Usage.Limit, memory.Usage.Failcnt));
        Assert.Equal((1024UL, 5120UL), (memory.Swap.Usage, memory.Swap.Limit));
        Assert.Equal(300UL, memory.Cache);
        Assert.Equal(700UL, memory.Raw!["anon"]);
    }

    [Fact]
    public void V2_io_stat_becomes_service_bytes_and_serviced_entries()
    {
        var dir = V2Dir(("io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"));

        var blkio = new V2Manager("/c1", dir, _fs).GetStats().Blkio;

        Assert.Contains(blkio.IoServiceBytesRecursive!, e => e is { Major: 8, Minor: 0, Op: "Write", Value: 8192 });
        Assert.Contains(blkio.IoServicedRecursive!, e => e is { Op: "Read", Value: 1 });
    }

    [Fact]
    public void V2_pids_without_a_limit_report_zero()
    {
        var dir = V2Dir(("pids.current", "3\n"), ("pids.max", "max\n"));

        var pids = new V2Manager("/c1", dir, _fs).GetStats().Pids;

        Assert.Equal((3UL, 0UL), (pids.Current, pids.Limit));
    }

    [Fact]
    public void V2_hugetlb_is_reported_per_page_size()
    {
        var dir = V2Dir(("hugetlb.2MB.max", "max\n"), ("hugetlb.2MB.current", "2097152\n"), ("hugetlb.2MB.events", "max 2\n"),
            ("hugetlb.2MB.rsvd.max", "max\n"));

        var hugetlb = new V2Manager("/c1", dir, _fs).GetStats().Hugetlb;

        Assert.Equal(["2MB"], hugetlb.Keys);
        Assert.Equal((2097152UL, 2UL), (hugetlb["2MB"].Usage, hugetlb["2MB"].Failcnt));
    }

    [Fact]
    public void V1_blkio_throttle_lines_are_parsed_and_the_grand_total_skipped()
    {
        using var fs = FakeCgroupFileSystem.Empty();
        var dir = fs.AddV1Hierarchy("blkio");
        File.WriteAllText(Path.Combine(dir, "blkio.throttle.io_service_bytes_recursive"), "8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n");

        var entries = new V1Manager("/", new Dictionary<string, string> { ["blkio"] = dir }, fs).GetStats().Blkio.IoServiceBytesRecursive!;

        Assert.Equal(3, entries.Count);
        Assert.Equal((8UL, 0UL, "Read", 4096UL), (entries[0].Major, entries[0].Minor, entries[0].Op!, entries[0].Value));
    }

    [Fact]
    public void V1_cpuacct_stat_ticks_are_reported_in_nanoseconds()
    {
        using var fs = FakeCgroupFileSystem.Empty();
        var dir = fs.AddV1Hierarchy("cpuacct");
        File.WriteAllText(Path.Combine(dir, "cpuacct.stat"), "user 3\nsystem 2\n");
        File.WriteAllText(Path.Combine(dir, "cpuacct.usage"), "50000000\n");
        File.WriteAllText(Path.Combine(dir, "cpuacct.usage_percpu"), "20000000 30000000 \n");

        var usage = new V1Manager("/", new Dictionary<string, string> { ["cpuacct"] = dir }, fs).GetStats().Cpu.Usage;

        Assert.Equal((50_000_000UL, 30_000_000UL, 20_000_000UL), (usage.Total, usage.User, usage.Kernel));
        Assert.Equal([20_000_000UL, 30_000_000UL], usage.PerCpu!);
    }

    [Fact]
    public void Json_uses_runc_field_names_and_leaves_out_zero_counters()
    {
        var stats = new CgroupStats();
        stats.Memory.Usage.Usage = 5;
        stats.Cpu.Throttling.ThrottledPeriods = 1;

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(stats, CgroupStatsJsonContext.Default.CgroupStats));
        var root = json.RootElement;

        Assert.Equal(["cpu", "memory", "pids", "blkio", "hugetlb"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("cpu").GetProperty("throttling").GetProperty("throttledPeriods").GetInt32());
        Assert.False(root.GetProperty("cpu").GetProperty("throttling").TryGetProperty("periods", out _));
        Assert.Equal(["limit", "usage", "failcnt"], root.GetProperty("memory").GetProperty("usage").EnumerateObject().Select(p => p.Name));
        Assert.True(root.GetProperty("memory").TryGetProperty("kernelTCP", out _));
    }

    [Fact]
    public void V2_oom_notifier_reports_an_increase_of_oom_kill()
    {
        var dir = V2Dir(("memory.events", "oom 0\noom_kill 0\n"));
        using var notifier = OomNotifier.Open(new V2Manager("/c1", dir, _fs), _fs);
        File.WriteAllText(Path.Combine(dir, "memory.events"), "oom 1\noom_kill 1\n");

        var e = notifier.WaitForEvent(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);

        Assert.Equal(new OomEvent(1), e);
        Assert.Equal(1UL, notifier.OomKillCount);
    }

    [Fact]
    public void V2_oom_notifier_ends_when_the_cgroup_is_removed()
    {
        var dir = V2Dir(("memory.events", "oom 0\noom_kill 0\n"));
        using var notifier = OomNotifier.Open(new V2Manager("/c1", dir, _fs), _fs);
        File.Delete(Path.Combine(dir, "memory.events"));

        Assert.Null(notifier.WaitForEvent(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token));
    }
}
