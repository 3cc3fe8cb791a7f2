using Berth.Runtime.Cgroups.Stats;

namespace Berth.Runtime.Cgroups.V2;

/// <summary>Reads the v2 counters into runc's stats shape (runc's fs2 GetStats), converting microseconds to nanoseconds.</summary>
internal static class V2Stats
{
    public static CgroupStats Read(ICgroupFileSystem fs, string dir)
    {
        var stats = new CgroupStats();
        var files = new StatFiles(fs);

        if (files.FlatKeyed(dir, "cpu.stat") is { } cpu)
        {
            stats.Cpu.Usage.Total = cpu.GetValueOrDefault("usage_usec") * 1000;
            stats.Cpu.Usage.User = cpu.GetValueOrDefault("user_usec") * 1000;
            stats.Cpu.Usage.Kernel = cpu.GetValueOrDefault("system_usec") * 1000;
            stats.Cpu.Throttling.Periods = cpu.GetValueOrDefault("nr_periods");
            stats.Cpu.Throttling.ThrottledPeriods = cpu.GetValueOrDefault("nr_throttled");
            stats.Cpu.Throttling.ThrottledTime = cpu.GetValueOrDefault("throttled_usec") * 1000;
        }

        ReadMemory(files, dir, stats.Memory);

        stats.Pids.Current = files.Number(dir, "pids.current") ?? 0;
        var pidsMax = files.Number(dir, "pids.max") ?? 0;
        stats.Pids.Limit = pidsMax == ulong.MaxValue ? 0 : pidsMax;

        if (files.Text(dir, "io.stat") is { } io)
            ReadIo(io, stats.Blkio);

        foreach (var size in files.HugePageSizes(dir, ".max"))
        {
            stats.Hugetlb[size] = new HugetlbStats
            {
                Usage = files.Number(dir, $"hugetlb.{size}.current") ?? 0,
                Failcnt = files.FlatKeyed(dir, $"hugetlb.{size}.events")?.GetValueOrDefault("max") ?? 0,
            };
        }

        return stats;
    }

    private static void ReadMemory(StatFiles files, string dir, MemoryStats memory)
    {
        if (files.FlatKeyed(dir, "memory.stat") is { } raw)
        {
            memory.Raw = raw.Count > 0 ? raw : null;
            memory.Cache = raw.GetValueOrDefault("file");
        }

        memory.Usage = new MemoryEntry
        {
            Usage = files.Number(dir, "memory.current") ?? 0,
            Max = files.Number(dir, "memory.peak") ?? 0,
            Limit = files.Number(dir, "memory.max") ?? 0,
            Failcnt = files.FlatKeyed(dir, "memory.events")?.GetValueOrDefault("max") ?? 0,
        };

        // v1 reported swap as memory+swap; runc keeps that meaning on v2 by adding the memory figures.
        if (files.Number(dir, "memory.swap.current") is { } swapUsage)
        {
            var swapLimit = files.Number(dir, "memory.swap.max") ?? 0;
            memory.Swap = new MemoryEntry
            {
                Usage = swapUsage + memory.Usage.Usage,
                Limit = swapLimit == ulong.MaxValue || memory.Usage.Limit == ulong.MaxValue ? ulong.MaxValue : swapLimit + memory.Usage.Limit,
                Failcnt = files.FlatKeyed(dir, "memory.swap.events")?.GetValueOrDefault("max") ?? 0,
            };
        }
    }

    /// <summary>io.stat: <c>8:0 rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…</c> per device.</summary>
    public static void ReadIo(string text, BlkioStats blkio)
    {
        var bytes = new List<BlkioEntry>();
        var ios = new List<BlkioEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
                continue;
            var device = parts[0].Split(':');
            if (device.Length != 2 || !CgroupValues.TryParse(device[0], out var major) || !CgroupValues.TryParse(device[1], out var minor))
                continue;
            foreach (var pair in parts.Skip(1))
            {
                var kv = pair.Split('=', 2);
                if (kv.Length != 2 || !CgroupValues.TryParse(kv[1], out var value))
                    continue;
                var (table, op) = kv[0] switch
                {
                    "rbytes" => (bytes, "Read"),
                    "wbytes" => (bytes, "Write"),
                    "dbytes" => (bytes, "Discard"),
                    "rios" => (ios, "Read"),
                    "wios" => (ios, "Write"),
                    "dios" => (ios, "Discard"),
                    _ => (null, ""),
                };
                table?.Add(new BlkioEntry { Major = major, Minor = minor, Op = op, Value = value });
            }
        }

        blkio.IoServiceBytesRecursive = bytes.Count > 0 ? bytes : null;
        blkio.IoServicedRecursive = ios.Count > 0 ? ios : null;
    }
}
