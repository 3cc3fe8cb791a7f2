using System.Globalization;
using Berth.Runtime.Cgroups;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>
/// A cgroupfs imitated in a temp directory: mkdir populates the control files the kernel would, rmdir
/// refuses (EBUSY) while the cgroup has processes or children, a pid written to cgroup.procs leaves
/// every other cgroup, and writing a missing file fails (ENOENT), as with kernfs. Every operation is
/// recorded, and <see cref="Fault"/> can make any of them fail with an errno.
/// </summary>
internal sealed class FakeCgroupFileSystem : ICgroupFileSystem, IDisposable
{
    private const string Procs = "cgroup.procs";

    private FakeCgroupFileSystem(string root) => Root = root;

    /// <summary>The temp directory standing for the mount point of the hierarchy (or of several).</summary>
    public string Root { get; }

    /// <summary>"mkdir /x", "rmdir /x", "rmdir /x: EBUSY", "write /x/cgroup.procs 42", in order (reads are not recorded).</summary>
    public List<string> Operations { get; } = [];

    /// <summary>Given (operation, path), an errno to fail with, or null to go ahead.</summary>
    public Func<string, string, int?> Fault { get; set; } = (_, _) => null;

    /// <summary>A cgroup2 tree: cgroup.controllers, cgroup.subtree_control, cgroup.events and the rest.</summary>
    public static FakeCgroupFileSystem Cgroup2(string controllers = "cpu io memory pids")
    {
        var fs = new FakeCgroupFileSystem(NewTempDirectory());
        WriteRootFiles(fs.Root, controllers);
        return fs;
    }

    /// <summary>An empty directory under which tests lay out v1 hierarchies with <see cref="AddV1Hierarchy"/>.</summary>
    public static FakeCgroupFileSystem Empty() => new(NewTempDirectory());

    /// <summary>A v1 hierarchy root at Root/<paramref name="name"/>; a cpuset one holds its cpus and mems.</summary>
    public string AddV1Hierarchy(string name, string cpus = "0-3", string mems = "0")
    {
        var mountPoint = Path.Combine(Root, name);
        Directory.CreateDirectory(mountPoint);
        File.WriteAllText(Path.Combine(mountPoint, Procs), "");
        File.WriteAllText(Path.Combine(mountPoint, "tasks"), "");
        if (name.Split(',').Contains("cpuset"))
        {
            File.WriteAllText(Path.Combine(mountPoint, "cpuset.cpus"), cpus + "\n");
            File.WriteAllText(Path.Combine(mountPoint, "cpuset.mems"), mems + "\n");
        }

        return mountPoint;
    }

    /// <summary>Pids in a cgroup's cgroup.procs, as the kernel lists them.</summary>
    public IReadOnlyList<int> PidsIn(string directory) =>
        [.. File.ReadAllLines(Path.Combine(directory, Procs)).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture))];

    /// <summary>Puts a process in a cgroup without going through a manager (a process that "never leaves").</summary>
    public void Seed(string directory, int pid) => File.AppendAllText(Path.Combine(directory, Procs), $"{pid}\n");

    public bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    public void CreateDirectory(string path)
    {
        Check("create", path);
        Operations.Add($"mkdir {path}");
        var parent = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(parent))
            throw new CgroupException("create", path, 2);
        if (Directory.Exists(path))
            return;

        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, Procs), "");
        if (File.Exists(Path.Combine(parent, "cgroup.controllers")))
        {
            File.WriteAllText(Path.Combine(path, "cgroup.controllers"), File.ReadAllText(Path.Combine(parent, "cgroup.subtree_control")));
            File.WriteAllText(Path.Combine(path, "cgroup.subtree_control"), "");
            File.WriteAllText(Path.Combine(path, "cgroup.events"), "populated 0\nfrozen 0\n");
            File.WriteAllText(Path.Combine(path, "cgroup.type"), "domain\n");
            File.WriteAllText(Path.Combine(path, "cgroup.threads"), "");
        }
        else
        {
            File.WriteAllText(Path.Combine(path, "tasks"), "");
            if (File.Exists(Path.Combine(parent, "cpuset.cpus")))
            {
                // cgroup.clone_children is 0: a new cpuset starts empty.
                File.WriteAllText(Path.Combine(path, "cpuset.cpus"), "\n");
                File.WriteAllText(Path.Combine(path, "cpuset.mems"), "\n");
            }
        }
    }

    public void RemoveDirectory(string path)
    {
        Check("remove", path);
        if (!Directory.Exists(path))
            throw new CgroupException("remove", path, 2);
        if (Directory.GetDirectories(path).Length > 0 || PidsIn(path).Count > 0)
        {
            Operations.Add($"rmdir {path}: EBUSY");
            throw new CgroupException("remove", path, 16);
        }

        Operations.Add($"rmdir {path}");

        foreach (var file in Directory.GetFiles(path))
            File.Delete(file);
        Directory.Delete(path);
    }

    public IReadOnlyList<string> GetSubdirectories(string path)
    {
        if (!Directory.Exists(path))
            throw new CgroupException("read", path, 2);
        return Directory.GetDirectories(path);
    }

    public string ReadFile(string path)
    {
        Check("read", path);
        if (!File.Exists(path))
            throw new CgroupException("read", path, 2);
        return File.ReadAllText(path);
    }

    public void WriteFile(string path, string value)
    {
        Check("write", path);
        Operations.Add($"write {path} {value}");
        if (!File.Exists(path))
            throw new CgroupException("write", path, 2);

        if (Path.GetFileName(path) != Procs)
        {
            File.WriteAllText(path, value + "\n");
            return;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            throw new CgroupException("write", path, 22);

        // A process is in exactly one cgroup of a hierarchy: the kernel moves it.
        var hierarchy = HierarchyRootOf(path);
        foreach (var procs in Directory.GetFiles(hierarchy, Procs, SearchOption.AllDirectories))
            File.WriteAllLines(procs, File.ReadAllLines(procs).Where(l => l.Length > 0 && l != value));
        File.AppendAllText(path, value + "\n");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private void Check(string operation, string path)
    {
        if (Fault(operation, path) is { } errno)
            throw new CgroupException(operation, path, errno);
    }

    /// <summary>The cgroup2 tree is the whole Root; v1 hierarchies are the directories directly under it.</summary>
    private string HierarchyRootOf(string file) =>
        File.Exists(Path.Combine(Root, Procs))
            ? Root
            : Path.Combine(Root, Path.GetRelativePath(Root, file).Split('/')[0]);

    private static void WriteRootFiles(string root, string controllers)
    {
        File.WriteAllText(Path.Combine(root, Procs), "");
        File.WriteAllText(Path.Combine(root, "cgroup.controllers"), controllers + "\n");
        File.WriteAllText(Path.Combine(root, "cgroup.subtree_control"), "");
        File.WriteAllText(Path.Combine(root, "cgroup.threads"), "");
        File.WriteAllText(Path.Combine(root, "cgroup.max.depth"), "max\n");
        File.WriteAllText(Path.Combine(root, "cgroup.max.descendants"), "max\n");
        File.WriteAllText(Path.Combine(root, "cgroup.stat"), "nr_descendants 0\nnr_dying_descendants 0\n");
    }

    private static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"berth-fakecg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
