namespace Berth.Runtime.Seccomp;

/// <summary>The SECCOMP_FILTER_FLAG_* bits of seccomp(2), as linux/seccomp.h defines them.</summary>
public static class SeccompFilterFlags
{
    public const uint SECCOMP_FILTER_FLAG_TSYNC = 1u << 0;
    public const uint SECCOMP_FILTER_FLAG_LOG = 1u << 1;
    public const uint SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1u << 2;
    public const uint SECCOMP_FILTER_FLAG_NEW_LISTENER = 1u << 3;
    public const uint SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1u << 4;
    public const uint SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1u << 5;

    /// <summary>The value of a flag name the spec allows in linux.seccomp.flags, or null.</summary>
    public static uint? Parse(string name) => name switch
    {
        "SECCOMP_FILTER_FLAG_TSYNC" => SECCOMP_FILTER_FLAG_TSYNC,
        "SECCOMP_FILTER_FLAG_LOG" => SECCOMP_FILTER_FLAG_LOG,
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => SECCOMP_FILTER_FLAG_SPEC_ALLOW,
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" => SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
        _ => null,
    };
}
