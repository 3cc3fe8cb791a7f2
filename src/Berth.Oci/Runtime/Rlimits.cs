namespace Berth.Oci.Runtime;

/// <summary>
/// RLIMIT_* names and resource numbers, from include/uapi/asm-generic/resource.h
/// (the numbering used by x86 and arm64; alpha, mips and sparc differ and are not targets).
/// </summary>
public static class Rlimits
{
    /// <summary>Name → resource number for setrlimit(2)/prlimit(2).</summary>
    public static IReadOnlyDictionary<string, int> ByName { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0,
        ["RLIMIT_FSIZE"] = 1,
        ["RLIMIT_DATA"] = 2,
        ["RLIMIT_STACK"] = 3,
        ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5,
        ["RLIMIT_NPROC"] = 6,
        ["RLIMIT_NOFILE"] = 7,
        ["RLIMIT_MEMLOCK"] = 8,
        ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10,
        ["RLIMIT_SIGPENDING"] = 11,
        ["RLIMIT_MSGQUEUE"] = 12,
        ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14,
        ["RLIMIT_RTTIME"] = 15,
    };
}
