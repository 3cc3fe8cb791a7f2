using System.Globalization;

namespace Berth.Runtime.Cgroups;

/// <summary>Parsing of the value formats of cgroup control files, and the v1 → v2 conversions runc uses.</summary>
public static class CgroupValues
{
    /// <summary>A single number; <c>max</c> (v2's "no limit") reads as <see cref="ulong.MaxValue"/>, and a negative v1 value (-1) as 0.</summary>
    public static ulong ParseUInt(string text)
    {
        var value = text.Trim();
        if (value == "max")
            return ulong.MaxValue;
        if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return n;
        // Some v1 counters are s64 and print -1; runc reads those as 0.
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signed) && signed < 0)
            return 0;
        throw new FormatException($"not a cgroup number: \"{value}\"");
    }

    /// <summary>A flat-keyed file (memory.stat, cpu.stat, memory.events): one <c>key value</c> per line.</summary>
    public static Dictionary<string, ulong> ParseFlatKeyed(string text)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && TryParse(parts[1], out var value))
                result[parts[0]] = value;
        }

        return result;
    }

    /// <summary>Space-separated numbers on one line (cpuacct.usage_percpu).</summary>
    public static List<ulong> ParseList(string text) =>
        [.. text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(ParseUInt)];

    public static bool TryParse(string text, out ulong value)
    {
        try
        {
            value = ParseUInt(text);
            return true;
        }
        catch (FormatException)
        {
            value = 0;
            return false;
        }
    }

    /// <summary>
    /// cpu.shares (2…262144) → cpu.weight (1…10000), the linear map runc 1.1 and crun use
    /// (opencontainers/runc: libcontainer/cgroups/utils.go ConvertCPUSharesToCgroupV2Value).
    /// </summary>
    public static ulong CpuSharesToWeight(ulong shares) =>
        shares == 0 ? 0 : 1 + ((Math.Clamp(shares, 2, 262144) - 2) * 9999 / 262142);

    /// <summary>blkio.weight (10…1000) → io.weight (1…10000), runc's ConvertBlkIOToIOWeightValue.</summary>
    public static ulong BlkioWeightToIoWeight(ushort weight) =>
        weight == 0 ? 0 : 1 + ((ulong)Math.Max(weight, (ushort)10) - 10) * 9999 / 990;

    /// <summary>
    /// The OCI swap value is memory+swap (v1's memsw); v2's memory.swap.max is swap alone. Returns the
    /// value for memory.swap.max (-1 = "max", 0 = leave unset) as runc's ConvertMemorySwapToCgroupV2Value;
    /// the error text is the reason, for the caller to put under the field.
    /// </summary>
    public static long MemorySwapToV2(long swap, long limit, out string? error)
    {
        error = null;
        // Unlimited memory with no swap given means unlimited swap too, as v1 behaves.
        if (limit == -1 && swap == 0)
            return -1;
        if (swap is -1 or 0)
            return swap;
        if (limit is 0 or -1)
        {
            error = "cannot set a swap limit without a memory limit";
            return 0;
        }

        if (limit < 0)
        {
            error = $"invalid memory limit {limit}";
            return 0;
        }

        if (swap < limit)
        {
            error = $"memory+swap limit {swap} must not be lower than the memory limit {limit}";
            return 0;
        }

        return swap - limit;
    }
}
