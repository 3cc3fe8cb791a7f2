using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Seccomp;

/// <summary>The spec's SCMP_ACT_* and SCMP_CMP_* names as libseccomp values.</summary>
public static class SeccompActions
{
    /// <summary>The errno a denied call returns when the profile names none (runc: EPERM).</summary>
    public const uint DefaultErrnoRet = Errno.EPERM;

    /// <summary>The 16 bits of data an ERRNO or TRACE action carries (SECCOMP_RET_DATA).</summary>
    private const uint MaxActionData = 0xffff;

    /// <summary>
    /// The libseccomp action for <paramref name="name"/>. ERRNO and TRACE carry
    /// <paramref name="errnoRet"/>, EPERM when it is null. SCMP_ACT_KILL is KILL_THREAD, as in
    /// libseccomp. NOTIFY needs a seccomp agent behind listenerPath, which is not implemented.
    /// </summary>
    /// <param name="field">The JSON field of the action, for errors.</param>
    /// <param name="errnoField">The JSON field of the errno, for errors.</param>
    public static uint Parse(string name, uint? errnoRet, string field, string errnoField)
    {
        return name switch
        {
            "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => Libseccomp.SCMP_ACT_KILL_THREAD,
            "SCMP_ACT_KILL_PROCESS" => Libseccomp.SCMP_ACT_KILL_PROCESS,
            "SCMP_ACT_TRAP" => Libseccomp.SCMP_ACT_TRAP,
            "SCMP_ACT_ERRNO" => Libseccomp.ActErrno(Data()),
            "SCMP_ACT_TRACE" => Libseccomp.ActTrace(Data()),
            "SCMP_ACT_ALLOW" => Libseccomp.SCMP_ACT_ALLOW,
            "SCMP_ACT_LOG" => Libseccomp.SCMP_ACT_LOG,
            "SCMP_ACT_NOTIFY" => throw SeccompCompiler.Fail(field, "SCMP_ACT_NOTIFY is not supported (no seccomp agent: listenerPath is not implemented)"),
            _ => throw SeccompCompiler.Fail(field, $"unknown action \"{name}\""),
        };

        uint Data()
        {
            var value = errnoRet ?? DefaultErrnoRet;
            return value <= MaxActionData ? value : throw SeccompCompiler.Fail(errnoField, $"must be at most {MaxActionData}");
        }
    }

    /// <summary>The enum scmp_compare value of an SCMP_CMP_* name, or null.</summary>
    public static int? Operator(string name) => name switch
    {
        "SCMP_CMP_NE" => Libseccomp.SCMP_CMP_NE,
        "SCMP_CMP_LT" => Libseccomp.SCMP_CMP_LT,
        "SCMP_CMP_LE" => Libseccomp.SCMP_CMP_LE,
        "SCMP_CMP_EQ" => Libseccomp.SCMP_CMP_EQ,
        "SCMP_CMP_GE" => Libseccomp.SCMP_CMP_GE,
        "SCMP_CMP_GT" => Libseccomp.SCMP_CMP_GT,
        "SCMP_CMP_MASKED_EQ" => Libseccomp.SCMP_CMP_MASKED_EQ,
        _ => null,
    };
}
