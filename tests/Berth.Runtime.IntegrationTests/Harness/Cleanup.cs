using System.Runtime.InteropServices;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// Undoes whatever a test set up, whether it passed or not: force-deletes the containers it
/// created, kills processes it started or found in its cgroups, removes its cgroups from every
/// hierarchy, detaches every mount below its temp dirs (deepest first), and removes the dirs.
/// Each step is best effort and keeps going; what failed is reported to <see cref="Log"/>.
/// </summary>
public sealed class Cleanup : IDisposable
{
    public const string CgroupRoot = "/sys/fs/cgroup";

    private readonly List<(string Root, string Id)> _containers = [];
    private readonly List<(int Pid, string StartTime)> _pids = [];
    private readonly List<string> _cgroups = [];
    private readonly List<string> _dirs = [];
    private readonly List<string> _paths = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public Cleanup(Action<string>? log = null)
    {
        Log = log ?? (_ => { });
    }

    public Action<string> Log { get; }

    public string NewTempDir(string prefix = "berth-it-")
    {
        var dir = Directory.CreateTempSubdirectory(prefix).FullName;
        lock (_gate)
        {
            _dirs.Add(dir);
        }

        return dir;
    }

    public void Container(string root, string id)
    {
        lock (_gate)
        {
            if (!_containers.Contains((root, id)))
            {
                _containers.Add((root, id));
            }
        }
    }

    /// <summary>A cgroupsPath as written in config.json ("/berth-it-x"); removed from every hierarchy.</summary>
    public void Cgroup(string cgroupsPath)
    {
        lock (_gate)
        {
            _cgroups.Add(cgroupsPath.Trim('/'));
        }
    }

    /// <summary>A process to kill if still alive; remembered with its start time so a reused pid is left alone.</summary>
    public void Process(int pid)
    {
        var start = StartTime(pid);
        if (start is not null)
        {
            lock (_gate)
            {
                _pids.Add((pid, start));
            }
        }
    }

    /// <summary>A host path (file or dir) that must not exist afterwards, e.g. where a broken runtime escaped to.</summary>
    public void Path(string path)
    {
        lock (_gate)
        {
            _paths.Add(path);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        foreach (var (root, id) in _containers)
        {
            Try($"delete --force {id}", () =>
            {
                var scratch = _dirs.FirstOrDefault(Directory.Exists) ?? System.IO.Path.GetTempPath();
                if (RuntimeUnderTest.Current.IsAvailable && Directory.Exists(root))
                {
                    ProcessRunner.Run(RuntimeUnderTest.Current.Executable, ["--root", root, "delete", "--force", id], scratch,
                        new ExecOptions { Timeout = TimeSpan.FromSeconds(15) });
                }
            });
        }

        foreach (var (pid, start) in _pids)
        {
            Try($"kill {pid}", () =>
            {
                if (StartTime(pid) == start)
                {
                    Native.Kill(pid, 9);
                }
            });
        }

        foreach (var cgroup in _cgroups.Distinct())
        {
            Try($"cgroup {cgroup}", () => RemoveCgroup(cgroup));
        }

        var everything = _dirs.Concat(_paths).ToList();
        Try("unmount", () => UnmountBelow(everything));
        foreach (var path in everything)
        {
            Try($"remove {path}", () => RemovePath(path));
        }
    }

    /// <summary>Detaches every mount of this mount namespace at or below one of <paramref name="dirs"/>, deepest first.</summary>
    public static void UnmountBelow(IReadOnlyCollection<string> dirs)
    {
        for (var pass = 0; pass < 8; pass++)
        {
            var targets = MountPoints()
                .Where(m => dirs.Any(d => m == d || m.StartsWith(d.TrimEnd('/') + "/", StringComparison.Ordinal)))
                .Distinct()
                .OrderByDescending(m => m.Count(c => c == '/'))
                .ThenByDescending(m => m.Length)
                .ToList();
            if (targets.Count == 0)
            {
                return;
            }

            foreach (var target in targets)
            {
                Native.Umount2(target, Native.MNT_DETACH);
            }
        }
    }

    /// <summary>Mount points from /proc/self/mountinfo (field 5, octal escapes decoded).</summary>
    public static IEnumerable<string> MountPoints() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f.Length > 4).Select(f => Unescape(f[4]));

    public static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s.Substring(at, 3).All(c => c is >= '0' and <= '7');

    /// <summary>The cgroup directories of <paramref name="cgroupsPath"/> in every mounted hierarchy that has it.</summary>
    public static IEnumerable<string> CgroupDirs(string cgroupsPath)
    {
        if (!Directory.Exists(CgroupRoot))
        {
            yield break;
        }

        foreach (var hierarchy in Directory.GetDirectories(CgroupRoot))
        {
            var dir = System.IO.Path.Combine(hierarchy, cgroupsPath.Trim('/'));
            if (Directory.Exists(dir))
            {
                yield return dir;
            }
        }
    }

    private void RemoveCgroup(string cgroupsPath)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var dirs = CgroupDirs(cgroupsPath).ToList();
            if (dirs.Count == 0)
            {
                break;
            }

            foreach (var top in dirs)
            {
                // children first: a runtime may have made sub-cgroups
                foreach (var dir in Directory.GetDirectories(top, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(top))
                {
                    foreach (var pid in ReadPids(System.IO.Path.Combine(dir, "cgroup.procs")))
                    {
                        Native.Kill(pid, 9);
                    }

                    var freezer = System.IO.Path.Combine(dir, "freezer.state");
                    if (File.Exists(freezer))
                    {
                        TryWrite(freezer, "THAWED");
                    }

                    try
                    {
                        Directory.Delete(dir);
                    }
                    catch (IOException)
                    {
                    }
                }
            }

            Thread.Sleep(20);
        }

        var leftover = CgroupDirs(cgroupsPath).ToList();
        if (leftover.Count > 0)
        {
            Log($"cleanup: cgroup still present: {string.Join(", ", leftover)}");
        }
    }

    public static IEnumerable<int> ReadPids(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static void TryWrite(string file, string value)
    {
        try
        {
            File.WriteAllText(file, value);
        }
        catch (IOException)
        {
        }
    }

    private static void RemovePath(string path)
    {
        var info = Native.Stat(path, followSymlinks: false);
        if (info is null)
        {
            return;
        }

        if (info.Value.Type == Native.S_IFDIR)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    /// <summary>Field 22 of /proc/pid/stat (start time in clock ticks), or null if the process is gone.</summary>
    public static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void Try(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException or ExternalException)
        {
            Log($"cleanup: {what}: {e.Message}");
        }
    }
}
