using Berth.Runtime.Cgroups.Stats;

namespace Berth.Runtime.Cgroups.V1;

/// <summary>
/// Reads the v1 counters runc's fs driver reports (GetStats of each subsystem). A controller that is
/// not mounted, or a file this kernel lacks, leaves its part of <see cref="CgroupStats"/> at zero.
/// </summary>
internal static class V1Stats
{
    /// <summary>cpuacct.stat counts USER_HZ ticks, which is 100 on every architecture Linux exports it for.</summary>
    private const ulong NanosecondsPerTick = 1_000_000_000 / 100;

    public static CgroupStats Read(ICgroupFileSystem fs, IReadOnlyDictionary<string, string> paths)
    {
        var stats = new CgroupStats();
        var files = new StatFiles(fs);

        if (paths.TryGetValue("cpu", out var cpu) && files.FlatKeyed(cpu, "cpu.stat") is { } cpuStat)
        {
            stats.Cpu.Throttling.Periods = cpuStat.GetValueOrDefault("nr_periods");
            stats.Cpu.Throttling.ThrottledPeriods = cpuStat.GetValueOrDefault("nr_throttled");
            stats.Cpu.Throttling.ThrottledTime = cpuStat.GetValueOrDefault("throttled_time");
        }

        if (paths.TryGetValue("cpuacct", out var cpuacct))
            ReadCpuacct(files, cpuacct, stats.Cpu.Usage);

        if (paths.TryGetValue("memory", out var memory))
            ReadMemory(files, memory, stats.Memory);

        if (paths.TryGetValue("pids", out var pids))
        {
            stats.Pids.Current = files.Number(pids, "pids.current") ?? 0;
            var limit = files.Number(pids, "pids.max") ?? 0;
            stats.Pids.Limit = limit == ulong.MaxValue ? 0 : limit;
        }

        if (paths.TryGetValue("blkio", out var blkio))
            ReadBlkio(files, blkio, stats.Blkio);

        if (paths.TryGetValue("hugetlb", out var hugetlb))
        {
            foreach (var size in files.HugePageSizes(hugetlb, ".limit_in_bytes"))
            {
                stats.Hugetlb[size] = new HugetlbStats
                {
                    Usage = files.Number(hugetlb, $"hugetlb.{size}.usage_in_bytes") ?? 0,
                    Max = files.Number(hugetlb, $"hugetlb.{size}.max_usage_in_bytes") ?? 0,
                    Failcnt = files.Number(hugetlb, $"hugetlb.{size}.failcnt") ?? 0,
                };
            }
        }

        return stats;
    }

    private static void ReadCpuacct(StatFiles files, string dir, CpuUsage usage)
    {
        usage.Total = files.Number(dir, "cpuacct.usage") ?? 0;
        if (files.Text(dir, "cpuacct.usage_percpu") is { } percpu)
            usage.PerCpu = NullIfEmpty(CgroupValues.ParseList(percpu));

        if (files.FlatKeyed(dir, "cpuacct.stat") is { } ticks)
        {
            usage.User = ticks.GetValueOrDefault("user") * NanosecondsPerTick;
            usage.Kernel = ticks.GetValueOrDefault("system") * NanosecondsPerTick;
        }

        // "cpu user system" header, then one line per CPU, in nanoseconds (Linux 4.7).
        if (files.Text(dir, "cpuacct.usage_all") is { } all)
        {
            var user = new List<ulong>();
            var kernel = new List<ulong>();
            foreach (var line in all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3 && CgroupValues.TryParse(parts[1], out var u) && CgroupValues.TryParse(parts[2], out var k))
                {
                    user.Add(u);
                    kernel.Add(k);
                }
            }

            usage.PerCpuUser = NullIfEmpty(user);
            usage.PerCpuKernel = NullIfEmpty(kernel);
        }
    }

    private static void ReadMemory(StatFiles files, string dir, MemoryStats memory)
    {
        if (files.FlatKeyed(dir, "memory.stat") is { } raw)
        {
            memory.Raw = raw.Count > 0 ? raw : null;
            memory.Cache = raw.GetValueOrDefault("cache");
        }

        memory.Usage = Entry(files, dir, "memory");
        memory.Swap = Entry(files, dir, "memory.memsw");
        memory.Kernel = Entry(files, dir, "memory.kmem");
        memory.KernelTcp = Entry(files, dir, "memory.kmem.tcp");

        static MemoryEntry Entry(StatFiles files, string dir, string prefix) => new()
        {
            Usage = files.Number(dir, $"{prefix}.usage_in_bytes") ?? 0,
            Max = files.Number(dir, $"{prefix}.max_usage_in_bytes") ?? 0,
            Failcnt = files.Number(dir, $"{prefix}.failcnt") ?? 0,
            Limit = files.Number(dir, $"{prefix}.limit_in_bytes") ?? 0,
        };
    }

    private static void ReadBlkio(StatFiles files, string dir, BlkioStats blkio)
    {
        // The scheduler's own counters when there are any (CFQ, then BFQ), else the throttle layer's,
        // which every kernel keeps, as runc's blkio GetStats falls back.
        foreach (var prefix in new[] { "blkio.", "blkio.bfq.", "blkio.throttle." })
        {
            var bytes = files.Text(dir, $"{prefix}io_service_bytes_recursive");
            if (bytes is null)
                continue;
            var serviceBytes = ParseBlkio(bytes);
            var serviced = ParseBlkio(files.Text(dir, $"{prefix}io_serviced_recursive") ?? "");
            if (serviceBytes.Count == 0 && serviced.Count == 0 && prefix != "blkio.throttle.")
                continue;
            blkio.IoServiceBytesRecursive = NullIfEmpty(serviceBytes);
            blkio.IoServicedRecursive = NullIfEmpty(serviced);
            return;
        }
    }

    /// <summary><c>8:0 Read 4096</c> lines; the closing <c>Total N</c> line has no device and is skipped.</summary>
    public static List<BlkioEntry> ParseBlkio(string text)
    {
        var entries = new List<BlkioEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
                continue;
            var device = parts[0].Split(':');
            if (device.Length != 2 || !CgroupValues.TryParse(device[0], out var major) || !CgroupValues.TryParse(device[1], out var minor))
                continue;
            if (CgroupValues.TryParse(parts[2], out var value))
                entries.Add(new BlkioEntry { Major = major, Minor = minor, Op = parts[1], Value = value });
        }

        return entries;
    }

    private static List<T>? NullIfEmpty<T>(List<T> list) => list.Count > 0 ? list : null;
}
