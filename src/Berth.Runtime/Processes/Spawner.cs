using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Processes;

/// <summary>A started child: its pid and, where the kernel gave one, a pidfd.</summary>
public sealed record SpawnedProcess(int Pid, UnixFd? PidFd);

/// <summary>Starts processes through the C spawn helper; managed code never forks.</summary>
public static unsafe class Spawner
{
    /// <param name="execFd">an fd of the executable (a sealed memfd), or -1 to use <paramref name="path"/></param>
    /// <param name="fds">source → target fd numbers in the child</param>
    /// <param name="closeFrom">fds from this number up that are not targets are closed</param>
    public static SpawnedProcess Spawn(int execFd, string path, IReadOnlyList<string> argv, IReadOnlyList<string> env,
        IReadOnlyList<(int Source, int Target)> fds, int closeFrom, int cgroupFd = -1, bool setsid = false)
    {
        using var args = new NativeStrings(argv);
        using var envp = new NativeStrings(env);
        var pathPtr = args.Utf8(path);
        var map = stackalloc BerthNative.FdMap[fds.Count];
        for (var i = 0; i < fds.Count; i++)
            map[i] = new BerthNative.FdMap { Source = fds[i].Source, Target = fds[i].Target };
        int pidfd = -1;
        var pid = BerthNative.Spawn(execFd, pathPtr, args.Pointer, envp.Pointer, map, fds.Count, closeFrom, cgroupFd, setsid ? 1 : 0, &pidfd);
        if (pid < 0)
            throw new LinuxException(-pid, "exec", path);
        return new SpawnedProcess(pid, pidfd >= 0 ? new UnixFd(pidfd) : null);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit; null if it did not.</summary>
    public static int? WaitWithTimeout(SpawnedProcess p, TimeSpan? timeout)
    {
        if (timeout is { } t && p.PidFd is { } pidfd)
        {
            var pfd = new Libc.PollFd { Fd = pidfd.Value, Events = 1 };
            var deadline = Environment.TickCount64 + (long)t.TotalMilliseconds;
            while (true)
            {
                var left = (int)Math.Max(0, deadline - Environment.TickCount64);
                var n = Libc.Poll(&pfd, 1, left);
                if (n > 0)
                    break;
                if (n == 0)
                    return null;
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EINTR)
                    throw LinuxException.FromLastError("poll");
            }
        }
        return Sys.WaitPid(p.Pid);
    }
}
