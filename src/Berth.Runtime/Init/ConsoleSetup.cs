using System.Text;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Init;

/// <summary>
/// terminal: true — a pty from the container's own devpts; the master goes to the caller over the
/// console socket (SCM_RIGHTS, as runc), the slave becomes stdio and the controlling terminal.
/// </summary>
public static unsafe class ConsoleSetup
{
    private const nuint TIOCSCTTY = 0x540E;
    private const nuint TIOCSWINSZ = 0x5414;

    public static void Setup(int consoleSocketFd, Oci.Runtime.Box? size, bool mountConsole = true)
    {
        var master = Libc.PosixOpenpt(OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_CLOEXEC);
        if (master < 0)
            throw LinuxException.FromLastError("open", "/dev/ptmx");
        using var masterFd = new UnixFd(master);
        if (Libc.Unlockpt(master) != 0)
            throw LinuxException.FromLastError("unlockpt", "/dev/ptmx");
        var buf = stackalloc byte[128];
        if (Libc.PtsnameR(master, buf, 128) != 0)
            throw LinuxException.FromLastError("ptsname", "/dev/ptmx");
        var slavePath = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(buf, 128)[..new ReadOnlySpan<byte>(buf, 128).IndexOf((byte)0)]);
        using var slave = Sys.Open(slavePath, OpenFlags.O_RDWR | OpenFlags.O_NOCTTY);
        if (size is { } s)
        {
            var ws = stackalloc ushort[4];
            ws[0] = (ushort)s.Height;
            ws[1] = (ushort)s.Width;
            BerthNative.IoctlPtr(master, TIOCSWINSZ, ws);
        }
        if (mountConsole)
            MountConsole(slave);
        if (BerthNative.SendFd(consoleSocketFd, master, slavePath) != 0)
            throw LinuxException.FromLastError("send console fd");
        Libc.Close(consoleSocketFd);
        for (var fd = 0; fd < 3; fd++)
            Sys.Dup2(slave.Value, fd);
        if (BerthNative.IoctlInt(0, TIOCSCTTY, 0) != 0)
            throw LinuxException.FromLastError("ioctl TIOCSCTTY");
    }

    // CVE-2025-52565: /dev/console is created without following symlinks and bind-mounted from
    // the pty fd itself, never from a path the container could swap.
    private static void MountConsole(UnixFd slave)
    {
        if (!Directory.Exists("/dev"))
            return;
        using var dev = Sys.Open("/dev", OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
        var fd = Libc.Openat(dev.Value, "console", OpenFlags.O_CREAT | OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY, 0b110_000_000);
        if (fd < 0)
        {
            var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (err is Errno.EROFS or Errno.EACCES)
                return;
            throw new LinuxException(err, "create", "/dev/console");
        }
        using var console = new UnixFd(fd);
        Sys.Mount(slave.ProcPath, console.ProcPath, null, MountFlags.MS_BIND, null);
    }
}
