using System.Diagnostics;
using System.Security.Cryptography;

namespace Berth.Runtime.DropInTests.Harness;

/// <summary>
/// Everything one engine's tests own: a short temp dir (unix socket paths must stay under 108 bytes)
/// holding the daemon's roots, state dirs, sockets and logs, a private copy of berth-runtime (others
/// rebuild artifacts/bin while we run), and a name used as cgroup parent / containerd namespace.
/// <see cref="Dispose"/> undoes it all whatever happened: the daemons it started are stopped by pid
/// (SIGTERM, then SIGKILL), then strays it can prove are ours are killed by pid (a process whose command
/// line names our dir: shims, conmon; a process inside our cgroups: containers), our mounts are
/// detached deepest first, our cgroups removed, and the dir deleted. Logs are copied first to
/// <see cref="ArtifactsDir"/>, next to the test assembly, for the post-mortem.
/// </summary>
public sealed class Sandbox : IDisposable
{
    private readonly List<Cmd> _daemons = [];
    private readonly List<Action> _beforeStop = [];
    private bool _disposed;

    public Sandbox(string engine)
    {
        Name = $"bdi-{engine}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        Dir = Path.Combine("/tmp", Name);
        Directory.CreateDirectory(Dir);
        Scratch = Directory.CreateDirectory(Path.Combine(Dir, "cmd")).FullName;
        Keep = Directory.CreateDirectory(Path.Combine(Dir, "keep")).FullName;
        ArtifactsDir = Path.Combine(AppContext.BaseDirectory, "dropin-artifacts", engine);
        if (Directory.Exists(ArtifactsDir))
        {
            Directory.Delete(ArtifactsDir, recursive: true);
        }

        var bin = Directory.CreateDirectory(Path.Combine(Dir, "bin")).FullName;
        Runtime = Path.Combine(bin, "berth-runtime");
        File.Copy(BerthBinary.Locate(), Runtime);
        File.SetUnixFileMode(Runtime, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    /// <summary>bdi-ENGINE-RANDOM: cgroup parent (every hierarchy), containerd namespace.</summary>
    public string Name { get; }
    public string Dir { get; }
    public string Scratch { get; }

    /// <summary>Files copied here (engine-generated config.json, berth logs) land in <see cref="ArtifactsDir"/>.</summary>
    public string Keep { get; }
    public string ArtifactsDir { get; }

    /// <summary>The berth-runtime the engines are told to use (a copy of the built one).</summary>
    public string Runtime { get; }

    public CmdResult Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null) =>
        Cmd.Run(file, args, Scratch, env, timeout);

    /// <summary>berth-runtime --root ROOT list --format json, as (id, pid, status).</summary>
    public List<(string Id, int Pid, string Status)> BerthList(string root)
    {
        var r = Run(Runtime, ["--root", root, "list", "--format", "json"]);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException(r.ToString());
        }

        var arr = System.Text.Json.Nodes.JsonNode.Parse(r.Stdout.Trim() is "" or "null" ? "[]" : r.Stdout)!.AsArray();
        return arr.Select(n => ((string)n!["id"]!, (int)n["pid"]!, (string)n["status"]!)).ToList();
    }

    /// <summary>Starts a daemon with stdout+stderr on <paramref name="logPath"/>; Dispose stops it by pid.</summary>
    public Cmd StartDaemon(string file, IEnumerable<string> args, string logPath, IReadOnlyDictionary<string, string>? env = null)
    {
        var d = Cmd.Start(file, args, Scratch, env, logPath, logPath);
        _daemons.Add(d);
        return d;
    }

    /// <summary>Polls <paramref name="ready"/> until true, failing early (with the log) if the daemon died.</summary>
    public void WaitReady(Cmd daemon, string logPath, Func<bool> ready, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (ready())
            {
                return;
            }

            if (daemon.HasExited)
            {
                throw new InvalidOperationException($"`{daemon.Command}` exited during startup; log:\n{Tail(logPath)}");
            }

            Thread.Sleep(200);
        }

        throw new TimeoutException($"`{daemon.Command}` not ready after {timeout.TotalSeconds} s; log:\n{Tail(logPath)}");
    }

    /// <summary>Registers a best-effort step (remove containers through the engine) run before the daemons stop.</summary>
    public void BeforeStop(Action action) => _beforeStop.Add(action);

    public static string Tail(string path, int lines = 40)
    {
        var all = Cmd.ReadText(path).Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>Copies <paramref name="path"/> (if it exists) into <see cref="Keep"/> as <paramref name="name"/>.</summary>
    public void KeepCopy(string path, string name)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Copy(path, Path.Combine(Keep, name), overwrite: true);
            }
        }
        catch (IOException)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var step in _beforeStop)
        {
            try
            {
                step();
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
            }
        }

        SaveArtifacts();
        foreach (var d in Enumerable.Reverse(_daemons))
        {
            StopByPid(d);
        }

        KillStrays();
        UnmountAll();
        RemoveCgroups();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Cmd.Run("/bin/rm", ["-rf", "--one-file-system", Dir], "/tmp");
        }
    }

    private void SaveArtifacts()
    {
        try
        {
            Directory.CreateDirectory(ArtifactsDir);
            foreach (var f in Directory.EnumerateFiles(Dir, "*.log").Concat(Directory.EnumerateFiles(Keep)))
            {
                File.Copy(f, Path.Combine(ArtifactsDir, Path.GetFileName(f)), overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void StopByPid(Cmd daemon)
    {
        if (!daemon.HasExited)
        {
            Native.Kill(daemon.Pid, Native.SIGTERM);
            var sw = Stopwatch.StartNew();
            while (!daemon.HasExited && sw.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(100);
            }

            if (!daemon.HasExited)
            {
                Native.Kill(daemon.Pid, Native.SIGKILL);
            }
        }

        daemon.Dispose();
    }

    /// <summary>Kills, by pid, the processes that are provably ours: their command line names our dir
    /// (containerd-shim-runc-v2 -address …, conmon -b …), or they sit in one of our cgroups.</summary>
    private void KillStrays()
    {
        for (var round = 0; round < 3; round++)
        {
            var pids = new HashSet<int>();
            foreach (var p in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(p), out var pid) || pid == Environment.ProcessId)
                {
                    continue;
                }

                string cmdline;
                try
                {
                    cmdline = File.ReadAllText(Path.Combine(p, "cmdline")).Replace('\0', ' ');
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                if (cmdline.Contains(Dir + "/", StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }

            foreach (var cg in OurCgroups())
            {
                try
                {
                    foreach (var line in File.ReadAllLines(Path.Combine(cg, "cgroup.procs")))
                    {
                        if (int.TryParse(line, out var pid) && pid != Environment.ProcessId)
                        {
                            pids.Add(pid);
                        }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }

            if (pids.Count == 0)
            {
                return;
            }

            foreach (var pid in pids)
            {
                Native.Kill(pid, Native.SIGKILL);
            }

            Thread.Sleep(300);
        }
    }

    /// <summary>Our cgroup dirs in every mounted hierarchy, deepest first.</summary>
    private List<string> OurCgroups()
    {
        var result = new List<string>();
        foreach (var root in CgroupRoots())
        {
            var top = Path.Combine(root, Name);
            if (!Directory.Exists(top))
            {
                continue;
            }

            try
            {
                result.AddRange(Directory.EnumerateDirectories(top, "*", SearchOption.AllDirectories));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            result.Add(top);
        }

        return result.OrderByDescending(d => d.Count(c => c == '/')).ToList();
    }

    private static IEnumerable<string> CgroupRoots()
    {
        foreach (var line in File.ReadAllLines("/proc/self/mounts"))
        {
            var f = line.Split(' ');
            if (f.Length > 2 && f[2] is "cgroup" or "cgroup2" && f[1].StartsWith("/sys/fs/cgroup", StringComparison.Ordinal))
            {
                yield return f[1];
            }
        }
    }

    private void RemoveCgroups()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var left = false;
            foreach (var cg in OurCgroups())
            {
                try
                {
                    Directory.Delete(cg);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    left = true;
                }
            }

            if (!left)
            {
                return;
            }

            Thread.Sleep(100);
        }
    }

    private void UnmountAll()
    {
        for (var round = 0; round < 3; round++)
        {
            var targets = File.ReadAllLines("/proc/self/mountinfo")
                .Select(l => l.Split(' '))
                .Where(f => f.Length > 4)
                .Select(f => Unescape(f[4]))
                .Where(m => m == Dir || m.StartsWith(Dir + "/", StringComparison.Ordinal))
                .Distinct()
                .OrderByDescending(m => m.Length)
                .ToList();
            if (targets.Count == 0)
            {
                return;
            }

            foreach (var t in targets)
            {
                Native.Umount2(t, Native.MNT_DETACH);
            }
        }
    }

    private static string Unescape(string s) =>
        s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
