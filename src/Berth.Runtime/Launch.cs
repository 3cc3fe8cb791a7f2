using System.Globalization;
using System.Text;
using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Runtime.Init;
using Berth.Runtime.Logging;
using Berth.Runtime.Processes;
using Berth.Runtime.State;

namespace Berth.Runtime;

/// <summary>
/// One start of <c>berth-runtime init</c>: the fds it gets (the caller's preserved fds keep their
/// numbers 3..; the init pipe, log pipe, exec fifo and console socket follow them), the process,
/// and the thread that copies the log pipe into the runtime log.
/// </summary>
public sealed class Launch : IDisposable
{
    private readonly UnixFd _parentSock;
    private readonly UnixFd _logRead;
    private readonly Thread _logThread;
    private readonly StringBuilder _errors = new();

    private Launch(UnixFd parentSock, UnixFd logRead, int firstPid, int baseFd, bool hasFifo, bool hasConsole, RuntimeLog log)
    {
        _parentSock = parentSock;
        _logRead = logRead;
        FirstPid = firstPid;
        Pipe = new InitPipe(parentSock.Value);
        ChildLogFd = baseFd + 1;
        ChildFifoFd = hasFifo ? baseFd + 2 : -1;
        ChildConsoleFd = hasConsole ? baseFd + (hasFifo ? 3 : 2) : -1;
        _logThread = new Thread(() => ForwardLog(log)) { IsBackground = true, Name = "init log" };
        _logThread.Start();
    }

    public InitPipe Pipe { get; }

    public int FirstPid { get; }

    public int InitPid { get; set; }

    public int ChildLogFd { get; }

    public int ChildFifoFd { get; }

    public int ChildConsoleFd { get; }

    /// <summary>True when clone3 started init inside the cgroup2 directory (CLONE_INTO_CGROUP).</summary>
    public bool StartedInCgroup { get; private init; }

    /// <summary>Makes the exec fifo that holds a created container's init until start.</summary>
    public static UnixFd MakeExecFifo(string stateDir)
    {
        var fifoPath = Path.Combine(stateDir, StateStore.ExecFifo);
        var oldUmask = Umask(0);
        try
        {
            if (Libc.Mkfifo(fifoPath, 0b110_010_010) != 0)
                throw LinuxException.FromLastError("mkfifo", fifoPath);
        }
        finally
        {
            Umask(oldUmask);
        }
        return Sys.Open(fifoPath, OpenFlags.O_PATH);
    }

    /// <param name="fifo">the exec fifo for create; null for exec, whose process starts at once</param>
    public static Launch Start(UnixFd? fifo, string? consoleSocket, int preserveFds, string? unifiedCgroupDir, RuntimeLog log)
    {
        var (parentSock, childSock) = Sys.SocketPair();
        var (logRead, logWrite) = Sys.Pipe();
        UnixFd? console = null;
        try
        {
            if (consoleSocket is { } socketPath)
                console = Sys.ConnectUnix(Path.GetFullPath(socketPath));
            using var exe = SelfExe.OpenSealed();
            var baseFd = 3 + preserveFds;
            var fds = new List<(int, int)> { (childSock.Value, baseFd), (logWrite.Value, baseFd + 1) };
            if (fifo is not null)
                fds.Add((fifo.Value, baseFd + 2));
            if (console is not null)
                fds.Add((console.Value, baseFd + fds.Count));
            var env = new List<string>
            {
                $"{ContainerInit.InitPipeEnv}={baseFd.ToString(CultureInfo.InvariantCulture)}",
                $"{ContainerInit.LogPipeEnv}={(baseFd + 1).ToString(CultureInfo.InvariantCulture)}",
                // init needs little memory; a small heap keeps its footprint near the C runtimes'.
                "DOTNET_GCgen0size=0x100000",
            };
            var argv = new[] { "berth-runtime", "init" };
            SpawnedProcess? child = null;
            if (unifiedCgroupDir is not null)
            {
                using var cgroupFd = Sys.Open(unifiedCgroupDir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
                try
                {
                    child = Spawner.Spawn(exe.Value, "/proc/self/exe", argv, env, fds, baseFd + fds.Count, cgroupFd.Value);
                }
                catch (LinuxException e) when (e.Errno is Errno.EINVAL or Errno.ENOSYS or Errno.EOPNOTSUPP or Errno.E2BIG)
                {
                    // Kernels before 5.7 have no CLONE_INTO_CGROUP; the parent moves init instead.
                }
            }
            var inCgroup = child is not null;
            child ??= Spawner.Spawn(exe.Value, "/proc/self/exe", argv, env, fds, baseFd + fds.Count);
            child.PidFd?.Dispose();
            return new Launch(parentSock, logRead, child.Pid, baseFd, fifo is not null, console is not null, log) { StartedInCgroup = inCgroup };
        }
        catch
        {
            parentSock.Dispose();
            logRead.Dispose();
            throw;
        }
        finally
        {
            childSock.Dispose();
            logWrite.Dispose();
            console?.Dispose();
        }
    }

    /// <summary>
    /// Completes stage-1's placement after the bootstrap: the parent moves it into the cgroup2
    /// directory only if clone3 could not start it there, then lets it go on (SYNC_CGROUP_ACK).
    /// </summary>
    public void FinishCgroupPlacement(string? unifiedCgroupDir)
    {
        if (unifiedCgroupDir is not null && !StartedInCgroup)
            File.WriteAllText(Path.Combine(unifiedCgroupDir, "cgroup.procs"), FirstPid.ToString(CultureInfo.InvariantCulture));
        Pipe.Send(InitPipe.SyncCgroupAck);
    }

    /// <summary>The error to report when init closed the pipe without saying why.</summary>
    public RuntimeException Died()
    {
        _logThread.Join(TimeSpan.FromMilliseconds(200));
        lock (_errors)
        {
            var detail = _errors.Length > 0 ? ": " + _errors.ToString().Trim() : "";
            return new RuntimeException($"container init exited before it was ready{detail}");
        }
    }

    /// <summary>Kills whatever was started, for a create that failed.</summary>
    public void Abort()
    {
        foreach (var pid in new[] { InitPid, FirstPid }.Where(p => p > 0).Distinct())
        {
            Sys.Kill(pid, 9);
            try
            {
                Sys.WaitPid(pid);
            }
            catch (LinuxException)
            {
            }
        }
        Dispose();
    }

    public void Dispose()
    {
        _parentSock.Dispose();
        _logRead.Dispose();
    }

    private static int Umask(int mask) => (int)Libc.Umask((uint)mask);

    private void ForwardLog(RuntimeLog log)
    {
        int fd;
        try
        {
            fd = _logRead.Value;
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        var buf = new byte[4096];
        var pending = new List<byte>();
        int n;
        while ((n = Sys.Read(fd, buf)) > 0)
        {
            pending.AddRange(buf.AsSpan(0, n));
            int nl;
            while ((nl = pending.IndexOf((byte)'\n')) >= 0)
            {
                var line = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)[..nl]);
                pending.RemoveRange(0, nl + 1);
                log.Raw(line);
                if (line.Contains("\"level\":\"error\"", StringComparison.Ordinal))
                {
                    lock (_errors)
                        _errors.AppendLine(line);
                }
            }
        }
    }
}
