using System.Runtime.InteropServices;

namespace Berth.Linux.Interop;

/// <summary>The C part of Berth (native/nsexec): linked into the NativeAOT binary, a shared library for tests.</summary>
public static unsafe partial class BerthNative
{
    private const string Lib = "berthnative";

    [StructLayout(LayoutKind.Sequential)]
    public struct FdMap
    {
        public int Source;
        public int Target;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev;
        public ulong Ino;
        public uint RdevMajor;
        public uint RdevMinor;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        public uint Pad;
        public long Size;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Rlimit
    {
        public uint Resource;
        public ulong Soft;
        public ulong Hard;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ExecSpec
    {
        public byte* Path;
        public byte** Argv;
        public byte** Envp;
        public byte* Cwd;
        public uint Uid;
        public uint Gid;
        public int NGroups;
        public uint* Groups;
        public int Umask;
        public int SetCaps;
        public int LastCap;
        public ulong CapBounding;
        public ulong CapEffective;
        public ulong CapPermitted;
        public ulong CapInheritable;
        public ulong CapAmbient;
        public int NoNewPrivs;
        public int NRlimits;
        public Rlimit* Rlimits;
        public void* SeccompFilter;
        public uint SeccompFlags;
        public int CloseFrom;
        public int KeepFd;
    }

    [LibraryImport(Lib, EntryPoint = "berth_spawn", SetLastError = true)]
    public static partial int Spawn(int execFd, byte* path, byte** argv, byte** envp, FdMap* fds, int nfds,
        int closeFrom, int cgroupFd, int setsidChild, int* pidfdOut);

    [LibraryImport(Lib, EntryPoint = "berth_exec_container", SetLastError = true)]
    public static partial int ExecContainer(ExecSpec* spec, byte* err, nuint errlen);

    [LibraryImport(Lib, EntryPoint = "berth_pivot_root", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PivotRoot(string newRoot, string putOld);

    [LibraryImport(Lib, EntryPoint = "berth_openat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Openat2(int dirfd, string path, ulong flags, ulong mode, ulong resolve);

    [LibraryImport(Lib, EntryPoint = "berth_fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Fstatat(int dirfd, string path, int flags, Stat* st);

    [LibraryImport(Lib, EntryPoint = "berth_fstatfs_type", SetLastError = true)]
    public static partial long FstatfsType(int fd);

    [LibraryImport(Lib, EntryPoint = "berth_makedev")]
    public static partial ulong Makedev(uint major, uint minor);

    [LibraryImport(Lib, EntryPoint = "berth_ioctl_int", SetLastError = true)]
    public static partial int IoctlInt(int fd, nuint request, int arg);

    [LibraryImport(Lib, EntryPoint = "berth_ioctl_ptr", SetLastError = true)]
    public static partial int IoctlPtr(int fd, nuint request, void* arg);

    [LibraryImport(Lib, EntryPoint = "berth_send_fd", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SendFd(int sock, int fd, string name);

    [LibraryImport(Lib, EntryPoint = "berth_recv_fd", SetLastError = true)]
    public static partial int RecvFd(int sock, byte* name, int namelen);

    [LibraryImport(Lib, EntryPoint = "berth_mount_flags", SetLastError = true)]
    public static partial long MountFlagsOf(int fd);

    [LibraryImport(Lib, EntryPoint = "berth_mount_setattr", SetLastError = true)]
    public static partial int MountSetattr(int fd, ulong set, ulong clear);

    [LibraryImport(Lib, EntryPoint = "berth_keyctl_join", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int KeyctlJoin(string name);

    [LibraryImport(Lib, EntryPoint = "berth_open_readonly_clone", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenReadonlyClone(string path);
}
