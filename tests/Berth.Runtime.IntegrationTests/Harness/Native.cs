using System.Runtime.InteropServices;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// The few libc calls the black-box suite needs and .NET does not offer: umount2 for cleanup,
/// open/close to probe /proc/&lt;pid&gt;/exe (CVE-2019-5736), stat for inode and file-type checks,
/// recvmsg with SCM_RIGHTS for --console-socket, and kill/poll/read for the received pty master.
/// The runtime under test is a separate binary, so this does not bypass Berth.Linux.
/// </summary>
internal static unsafe partial class Native
{
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
    public const int MNT_DETACH = 0x2;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const short POLLIN = 0x1;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EACCES = 13;
    public const int ETXTBSY = 26;
    public const int EROFS = 30;

    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;

    [LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(nint socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatRaw(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LstatRaw(string path, byte* buffer);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>The fields of struct stat the tests look at (x86_64 and aarch64 layouts agree on these offsets).</summary>
    public readonly record struct StatInfo(ulong Device, ulong Inode, uint Mode, ulong RDev)
    {
        public uint Type => Mode & S_IFMT;
        public uint RDevMajor => (uint)(((RDev >> 32) & 0xfffff000) | ((RDev >> 8) & 0xfff));
        public uint RDevMinor => (uint)(((RDev >> 12) & 0xffffff00) | (RDev & 0xff));
    }

    public static StatInfo? Stat(string path, bool followSymlinks = true)
    {
        var buffer = stackalloc byte[256];
        var rc = followSymlinks ? StatRaw(path, buffer) : LstatRaw(path, buffer);
        if (rc != 0)
        {
            return null;
        }

        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            // struct stat (x86_64): dev 0, ino 8, nlink 16, mode 24, uid 28, gid 32, pad 36, rdev 40
            return new StatInfo(*(ulong*)buffer, *(ulong*)(buffer + 8), *(uint*)(buffer + 24), *(ulong*)(buffer + 40));
        }

        // generic (aarch64): dev 0, ino 8, mode 16, nlink 20, uid 24, gid 28, rdev 32
        return new StatInfo(*(ulong*)buffer, *(ulong*)(buffer + 8), *(uint*)(buffer + 16), *(ulong*)(buffer + 32));
    }

    /// <summary>Receives one file descriptor passed with SCM_RIGHTS on a connected unix socket.</summary>
    public static int ReceiveFd(nint socket)
    {
        var data = stackalloc byte[4096];
        var control = stackalloc byte[64];
        var iov = new IoVec { Base = data, Length = 4096 };
        var header = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
        nint received;
        do
        {
            received = RecvMsg(socket, &header, MSG_CMSG_CLOEXEC);
        }
        while (received < 0 && Marshal.GetLastPInvokeError() == EINTR);

        if (received < 0)
        {
            throw new IOException($"recvmsg on console socket: errno {Marshal.GetLastPInvokeError()}");
        }

        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char data[]; }
        if (header.ControlLength < (nuint)(sizeof(nuint) + 8 + sizeof(int)))
        {
            throw new IOException("console socket: message carried no file descriptor");
        }

        var level = *(int*)(control + sizeof(nuint));
        var type = *(int*)(control + sizeof(nuint) + 4);
        if (level != SOL_SOCKET || type != SCM_RIGHTS)
        {
            throw new IOException($"console socket: unexpected control message level {level} type {type}");
        }

        return *(int*)(control + sizeof(nuint) + 8);
    }
}
