using System.Text.Json.Serialization;

namespace Berth.Runtime.Cgroups.Stats;

/// <summary>
/// A container's cgroup statistics, shaped and named as the <c>data</c> of runc's <c>events --stats</c>
/// (opencontainers/runc: types/events.go, Stats). Counters runc tags <c>omitempty</c> are left out of the
/// JSON when zero; lists and maps are null rather than empty for the same reason.
/// </summary>
public sealed class CgroupStats
{
    [JsonPropertyName("cpu")]
    public CpuStats Cpu { get; set; } = new();

    [JsonPropertyName("memory")]
    public MemoryStats Memory { get; set; } = new();

    [JsonPropertyName("pids")]
    public PidsStats Pids { get; set; } = new();

    [JsonPropertyName("blkio")]
    public BlkioStats Blkio { get; set; } = new();

    /// <summary>Page size as the control files name it (<c>2MB</c>, <c>1GB</c>) → usage.</summary>
    [JsonPropertyName("hugetlb")]
    public Dictionary<string, HugetlbStats> Hugetlb { get; set; } = new(StringComparer.Ordinal);
}

public sealed class CpuStats
{
    [JsonPropertyName("usage")]
    public CpuUsage Usage { get; set; } = new();

    [JsonPropertyName("throttling")]
    public ThrottlingStats Throttling { get; set; } = new();
}

/// <summary>CPU time in nanoseconds.</summary>
public sealed class CpuUsage
{
    [JsonPropertyName("total")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Total { get; set; }

    /// <summary>Per CPU (v1 cpuacct only).</summary>
    [JsonPropertyName("percpu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ulong>? PerCpu { get; set; }

    [JsonPropertyName("percpu_kernel")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ulong>? PerCpuKernel { get; set; }

    [JsonPropertyName("percpu_user")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ulong>? PerCpuUser { get; set; }

    [JsonPropertyName("kernel")]
    public ulong Kernel { get; set; }

    [JsonPropertyName("user")]
    public ulong User { get; set; }
}

public sealed class ThrottlingStats
{
    [JsonPropertyName("periods")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Periods { get; set; }

    [JsonPropertyName("throttledPeriods")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ThrottledPeriods { get; set; }

    /// <summary>Nanoseconds.</summary>
    [JsonPropertyName("throttledTime")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ThrottledTime { get; set; }
}

public sealed class MemoryStats
{
    /// <summary>Page cache: <c>cache</c> of v1's memory.stat, <c>file</c> of v2's.</summary>
    [JsonPropertyName("cache")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Cache { get; set; }

    [JsonPropertyName("usage")]
    public MemoryEntry Usage { get; set; } = new();

    /// <summary>Memory plus swap, on v2 as well (runc adds memory.current to memory.swap.current there).</summary>
    [JsonPropertyName("swap")]
    public MemoryEntry Swap { get; set; } = new();

    [JsonPropertyName("kernel")]
    public MemoryEntry Kernel { get; set; } = new();

    [JsonPropertyName("kernelTCP")]
    public MemoryEntry KernelTcp { get; set; } = new();

    /// <summary>Every counter of memory.stat.</summary>
    [JsonPropertyName("raw")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, ulong>? Raw { get; set; }
}

/// <summary>Bytes; a limit of <see cref="ulong.MaxValue"/> means none.</summary>
public sealed class MemoryEntry
{
    [JsonPropertyName("limit")]
    public ulong Limit { get; set; }

    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; set; }

    [JsonPropertyName("max")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Max { get; set; }

    [JsonPropertyName("failcnt")]
    public ulong Failcnt { get; set; }
}

public sealed class PidsStats
{
    [JsonPropertyName("current")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Current { get; set; }

    /// <summary>0 when there is no limit.</summary>
    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Limit { get; set; }
}

public sealed class BlkioStats
{
    [JsonPropertyName("ioServiceBytesRecursive")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<BlkioEntry>? IoServiceBytesRecursive { get; set; }

    [JsonPropertyName("ioServicedRecursive")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<BlkioEntry>? IoServicedRecursive { get; set; }
}

public sealed class BlkioEntry
{
    [JsonPropertyName("major")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Major { get; set; }

    [JsonPropertyName("minor")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Minor { get; set; }

    /// <summary><c>Read</c>, <c>Write</c>, <c>Sync</c>, <c>Async</c>, <c>Discard</c>, <c>Total</c>.</summary>
    [JsonPropertyName("op")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Op { get; set; }

    [JsonPropertyName("value")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Value { get; set; }
}

public sealed class HugetlbStats
{
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; set; }

    [JsonPropertyName("max")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Max { get; set; }

    [JsonPropertyName("failcnt")]
    public ulong Failcnt { get; set; }
}
