using System.Diagnostics;
using System.Globalization;
using Berth.Runtime.Cgroups;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>
/// One uniquely named test cgroup (<c>/berth-test-&lt;guid&gt;</c>) on the real host and the processes a
/// test starts for it. Dispose cleans up whatever happened: kills those processes (and anything else
/// left in the test cgroup), then removes the test cgroup from every hierarchy, deepest first, without
/// going through the code under test. It never touches any other cgroup.
/// </summary>
internal sealed class HostCgroupScope : IDisposable
{
    private readonly List<Process> _processes = [];

    public HostCgroupScope()
    {
        Name = $"berth-test-{Guid.NewGuid():N}";
        Mounts = CgroupMounts.Load();
    }

    public string Name { get; }

    /// <summary>The absolute linux.cgroupsPath of the test cgroup.</summary>
    public string CgroupsPath => "/" + Name;

    public CgroupMounts Mounts { get; }

    /// <summary>The test cgroup's directory in every mounted hierarchy, cgroup2 included.</summary>
    public IEnumerable<string> AllDirectories =>
        Mounts.V1Hierarchies.Append(Mounts.Unified).OfType<CgroupMount>().Select(m => Path.Combine(m.MountPoint, Name));

    /// <summary>Starts <c>sleep 30</c>, which the scope kills on dispose.</summary>
    public Process StartSleep()
    {
        var process = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start sleep");
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Starts <c>sh -c <paramref name="script"/></c> with stdin, stdout and stderr piped; the script
    /// should begin with <c>read _</c> so that it waits, outside any test cgroup, until the test has
    /// moved it and writes a line. The scope kills it on dispose.
    /// </summary>
    public Process StartShell(string script, params string[] args)
    {
        var info = new ProcessStartInfo("sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start sh");
        _processes.Add(process);
        return process;
    }

    /// <summary>SIGKILL and reap, so that the process has left its cgroups.</summary>
    public static void KillAndWait(Process process)
    {
        if (!process.HasExited)
            process.Kill();
        process.WaitForExit();
    }

    /// <summary>The cgroup of <paramref name="pid"/> per hierarchy, from /proc/[pid]/cgroup ("" for cgroup2).</summary>
    public static Dictionary<string, string> CgroupsOf(int pid)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            var parts = line.Split(':', 3);
            result[parts[1]] = parts[2];
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                KillAndWait(process);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        foreach (var directory in AllDirectories)
            RemoveTestTree(directory);
    }

    private static void RemoveTestTree(string directory)
    {
        for (var attempt = 0; attempt < 40 && Directory.Exists(directory); attempt++)
        {
            try
            {
                KillStragglers(directory);
                foreach (var child in Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
                    Directory.Delete(child);
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static void KillStragglers(string directory)
    {
        foreach (var procs in Directory.EnumerateFiles(directory, "cgroup.procs", SearchOption.AllDirectories))
        {
            foreach (var line in File.ReadAllLines(procs))
            {
                if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    continue;
                try
                {
                    using var straggler = Process.GetProcessById(pid);
                    straggler.Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                }
            }
        }
    }
}
