namespace Berth.Linux.Interop;

/// <summary>open(2) flags (x86_64 and aarch64 agree on these values).</summary>
public static class OpenFlags
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
}

/// <summary>openat2(2) resolve flags.</summary>
public static class Resolve
{
    public const ulong RESOLVE_NO_XDEV = 0x01;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;
    public const ulong RESOLVE_IN_ROOT = 0x10;
}

/// <summary>*at(2) flags.</summary>
public static class AtFlags
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;
}

/// <summary>mount(2) flags.</summary>
public static class MountFlags
{
    public const ulong MS_RDONLY = 1;
    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const ulong MS_NOEXEC = 8;
    public const ulong MS_SYNCHRONOUS = 16;
    public const ulong MS_REMOUNT = 32;
    public const ulong MS_MANDLOCK = 64;
    public const ulong MS_DIRSYNC = 128;
    public const ulong MS_NOSYMFOLLOW = 256;
    public const ulong MS_NOATIME = 1024;
    public const ulong MS_NODIRATIME = 2048;
    public const ulong MS_BIND = 4096;
    public const ulong MS_MOVE = 8192;
    public const ulong MS_REC = 16384;
    public const ulong MS_SILENT = 32768;
    public const ulong MS_UNBINDABLE = 1 << 17;
    public const ulong MS_PRIVATE = 1 << 18;
    public const ulong MS_SLAVE = 1 << 19;
    public const ulong MS_SHARED = 1 << 20;
    public const ulong MS_RELATIME = 1 << 21;
    public const ulong MS_I_VERSION = 1 << 23;
    public const ulong MS_STRICTATIME = 1 << 24;
    public const ulong MS_LAZYTIME = 1 << 25;

    public const ulong PropagationMask = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;

    public const int MNT_DETACH = 2;
}

/// <summary>clone(2) namespace flags.</summary>
public static class CloneFlags
{
    public const uint CLONE_NEWTIME = 0x00000080;
    public const uint CLONE_NEWNS = 0x00020000;
    public const uint CLONE_NEWCGROUP = 0x02000000;
    public const uint CLONE_NEWUTS = 0x04000000;
    public const uint CLONE_NEWIPC = 0x08000000;
    public const uint CLONE_NEWUSER = 0x10000000;
    public const uint CLONE_NEWPID = 0x20000000;
    public const uint CLONE_NEWNET = 0x40000000;
}

/// <summary>File type bits of st_mode.</summary>
public static class StatMode
{
    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;
}

/// <summary>prctl(2) options.</summary>
public static class Prctl
{
    public const int PR_SET_PDEATHSIG = 1;
    public const int PR_SET_DUMPABLE = 4;
    public const int PR_SET_NAME = 15;
    public const int PR_SET_CHILD_SUBREAPER = 36;
}

/// <summary>Filesystem magic numbers from statfs(2).</summary>
public static class FsMagic
{
    public const long PROC_SUPER_MAGIC = 0x9fa0;
    public const long TMPFS_MAGIC = 0x01021994;
    public const long DEVPTS_SUPER_MAGIC = 0x1cd1;
}
