namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// Reads a container's cgroup files from the host, where the runtime put them for its
/// linux.cgroupsPath: /sys/fs/cgroup/&lt;controller&gt;/&lt;cgroupsPath&gt;/ on cgroup v1 (this host:
/// v1 controllers plus an empty cgroup2 at /sys/fs/cgroup/unified), /sys/fs/cgroup/&lt;cgroupsPath&gt;/
/// on a pure cgroup v2 host.
/// </summary>
public static class CgroupFiles
{
    /// <summary>True when /sys/fs/cgroup itself is cgroup2 (no v1 controllers).</summary>
    public static bool IsUnified { get; } = DetectUnified();

    /// <summary>The directory of <paramref name="cgroupsPath"/> for a v1 controller ("memory", "pids", "cpu", …), or the v2 directory.</summary>
    public static string Dir(string cgroupsPath, string v1Controller) =>
        IsUnified
            ? Path.Combine(Cleanup.CgroupRoot, cgroupsPath.Trim('/'))
            : Path.Combine(Cleanup.CgroupRoot, v1Controller, cgroupsPath.Trim('/'));

    /// <summary>Contents of a cgroup file, trimmed: <paramref name="v1File"/> under the v1 controller, or <paramref name="v2File"/> on v2.</summary>
    public static string Read(string cgroupsPath, string v1Controller, string v1File, string v2File) =>
        File.ReadAllText(Path.Combine(Dir(cgroupsPath, v1Controller), IsUnified ? v2File : v1File)).Trim();

    /// <summary>The pids of every process in the container's cgroup (pids controller on v1).</summary>
    public static IReadOnlyList<int> Procs(string cgroupsPath)
    {
        var path = Path.Combine(Dir(cgroupsPath, "pids"), "cgroup.procs");
        return File.Exists(path)
            ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : [];
    }

    private static bool DetectUnified()
    {
        // the v2 root has cgroup.controllers and no per-controller dirs (a hybrid host's /sys/fs/cgroup is a tmpfs)
        return File.Exists(Path.Combine(Cleanup.CgroupRoot, "cgroup.controllers"))
            && !Directory.Exists(Path.Combine(Cleanup.CgroupRoot, "memory"));
    }
}
