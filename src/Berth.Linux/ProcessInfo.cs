using System.Globalization;
using Berth.Linux.Interop;

namespace Berth.Linux;

/// <summary>Facts about a host process read from /proc: start time (pid reuse check), liveness.</summary>
public static unsafe class ProcessInfo
{
    /// <summary>Field 22 of /proc/pid/stat, or null if the process is gone.</summary>
    public static ulong? StartTime(int pid) => Stat(pid)?.StartTime;

    /// <summary>Alive means present and not a zombie.</summary>
    public static bool IsAlive(int pid, ulong startTime)
    {
        var st = Stat(pid);
        return st is { } s && s.StartTime == startTime && s.State != 'Z' && s.State != 'X';
    }

    private static (char State, ulong StartTime)? Stat(int pid)
    {
        if (pid <= 0)
            return null;
        // A process that is gone is the normal case (every delete asks), so it is an errno, not an
        // exception: throwing one costs the unwinder and its tables in a runtime built to start small.
        var fd = Libc.Open($"/proc/{pid}/stat", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            return null;
        Span<byte> buf = stackalloc byte[1024];
        var n = Sys.Read(fd, buf);
        Libc.Close(fd);
        if (n <= 0)
            return null;
        var text = System.Text.Encoding.ASCII.GetString(buf[..n]);
        // The command name may hold spaces and parentheses; fields resume after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
            return null;
        var fields = text[(close + 2)..].Split(' ');
        return fields.Length > 19 ? (fields[0][0], ulong.Parse(fields[19], CultureInfo.InvariantCulture)) : null;
    }

    /// <summary>Waits for a (not necessarily child) process to exit, through a pidfd; false on timeout.</summary>
    public static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var fd = Libc.PidfdOpen(pid, 0);
        if (fd < 0)
            return true;
        using var pidfd = new UnixFd(fd);
        var pfd = new Libc.PollFd { Fd = fd, Events = 1 };
        return Libc.Poll(&pfd, 1, (int)timeout.TotalMilliseconds) > 0;
    }
}
