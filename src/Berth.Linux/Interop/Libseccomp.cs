using System.Runtime.InteropServices;

namespace Berth.Linux.Interop;

/// <summary>
/// libseccomp (seccomp.h, 2.5), which turns a rule set into a BPF program. berth-runtime links it in
/// statically (its csproj); other hosts of this assembly, the tests among them, load the soname.
/// Functions that return int return 0 or a negative errno; they do not set errno, so none of
/// these declarations sets the last error.
/// </summary>
public static unsafe partial class Libseccomp
{
    /// <summary>The soname the distributions ship (Debian, Fedora, Alpine): loaded by this exact name.</summary>
    public const string LibraryName = "libseccomp.so.2";

    // seccomp.h: SCMP_ACT_*. ERRNO and TRACE carry 16 bits of data.
    public const uint SCMP_ACT_KILL_PROCESS = 0x80000000;
    public const uint SCMP_ACT_KILL_THREAD = 0x00000000;
    public const uint SCMP_ACT_TRAP = 0x00030000;
    public const uint SCMP_ACT_ERRNO_BASE = 0x00050000;
    public const uint SCMP_ACT_NOTIFY = 0x7fc00000;
    public const uint SCMP_ACT_TRACE_BASE = 0x7ff00000;
    public const uint SCMP_ACT_LOG = 0x7ffc0000;
    public const uint SCMP_ACT_ALLOW = 0x7fff0000;

    /// <summary>SCMP_ARCH_NATIVE: the architecture of the calling process.</summary>
    public const uint SCMP_ARCH_NATIVE = 0;

    /// <summary>__NR_SCMP_ERROR: what name resolution returns for a name it does not know.</summary>
    public const int NR_SCMP_ERROR = -1;

    // enum scmp_filter_attr
    public const int SCMP_FLTATR_ACT_DEFAULT = 1;
    public const int SCMP_FLTATR_ACT_BADARCH = 2;
    public const int SCMP_FLTATR_CTL_NNP = 3;
    public const int SCMP_FLTATR_CTL_TSYNC = 4;
    public const int SCMP_FLTATR_API_TSKIP = 5;
    public const int SCMP_FLTATR_CTL_LOG = 6;
    public const int SCMP_FLTATR_CTL_SSB = 7;
    public const int SCMP_FLTATR_CTL_OPTIMIZE = 8;
    public const int SCMP_FLTATR_API_SYSRAWRC = 9;

    // enum scmp_compare
    public const int SCMP_CMP_NE = 1;
    public const int SCMP_CMP_LT = 2;
    public const int SCMP_CMP_LE = 3;
    public const int SCMP_CMP_EQ = 4;
    public const int SCMP_CMP_GE = 5;
    public const int SCMP_CMP_GT = 6;
    public const int SCMP_CMP_MASKED_EQ = 7;

    /// <summary>struct scmp_arg_cmp.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ScmpArgCmp
    {
        public uint Arg;
        public int Op;
        public ulong DatumA;
        public ulong DatumB;
    }

    /// <summary>struct scmp_version.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ScmpVersion
    {
        public uint Major;
        public uint Minor;
        public uint Micro;
    }

    /// <summary>SCMP_ACT_ERRNO(x).</summary>
    public static uint ActErrno(uint errno) => SCMP_ACT_ERRNO_BASE | (errno & 0xffff);

    /// <summary>SCMP_ACT_TRACE(x).</summary>
    public static uint ActTrace(uint msg) => SCMP_ACT_TRACE_BASE | (msg & 0xffff);

    /// <summary>Loads the library now, so a missing one is reported before any call fails.</summary>
    public static bool TryLoad(string libraryName = LibraryName) =>
        NativeLibrary.TryLoad(libraryName, typeof(Libseccomp).Assembly, null, out _);

    /// <returns>A filter context, or null when out of memory or the action is invalid.</returns>
    [LibraryImport(LibraryName, EntryPoint = "seccomp_init")]
    public static partial void* Init(uint defAction);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_release")]
    public static partial void Release(void* ctx);

    /// <returns>0, or -EEXIST when the architecture is already in the filter.</returns>
    [LibraryImport(LibraryName, EntryPoint = "seccomp_arch_add")]
    public static partial int ArchAdd(void* ctx, uint archToken);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_arch_native")]
    public static partial uint ArchNative();

    /// <returns>The AUDIT_ARCH_* token, or 0 for a name the library does not know.</returns>
    [LibraryImport(LibraryName, EntryPoint = "seccomp_arch_resolve_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint ArchResolveName(string archName);

    /// <returns>The native syscall number, a negative pseudo number (__PNR_*) for a syscall of another architecture, or <see cref="NR_SCMP_ERROR"/>.</returns>
    [LibraryImport(LibraryName, EntryPoint = "seccomp_syscall_resolve_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SyscallResolveName(string name);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_syscall_resolve_name_arch", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SyscallResolveNameArch(uint archToken, string name);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_rule_add_array")]
    public static partial int RuleAddArray(void* ctx, uint action, int syscall, uint argCnt, ScmpArgCmp* argArray);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_attr_set")]
    public static partial int AttrSet(void* ctx, int attr, uint value);

    /// <summary>Writes the program as raw struct sock_filter[] to <paramref name="fd"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "seccomp_export_bpf")]
    public static partial int ExportBpf(void* ctx, int fd);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_version")]
    public static partial ScmpVersion* Version();

    /// <summary>The API level: what the library and the running kernel support together (1 to 6 in 2.5).</summary>
    [LibraryImport(LibraryName, EntryPoint = "seccomp_api_get")]
    public static partial uint ApiGet();
}
