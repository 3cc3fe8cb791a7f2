namespace Berth.Runtime.Cgroups.V1;

/// <summary>
/// A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems (unless the parent has
/// cgroup.clone_children set), and the kernel refuses to move a task into it with ENOSPC. So, as runc's
/// cpusetEnsureParent does, every level below the hierarchy root is created top-down and given its
/// parent's values when its own are empty. Values already set are kept, so cpuset.cpu_exclusive parents
/// still work.
/// </summary>
internal static class Cpuset
{
    private static readonly string[] InheritedFiles = ["cpuset.cpus", "cpuset.mems"];

    public static void CreateDirectories(ICgroupFileSystem fs, string directory)
    {
        // Walk up to the hierarchy root: the last directory whose parent exists and is not a cpuset
        // cgroup (the mount point's parent is the tmpfs at /sys/fs/cgroup). The root itself is left alone.
        var levels = new Stack<string>();
        for (var level = directory; ;)
        {
            var parent = CgroupDirectoryPath.Parent(level)
                ?? throw CgroupException.Custom("create", directory, $"cgroup: create {directory}: not inside a cpuset hierarchy");
            if (fs.Exists(parent) && !fs.Exists(CgroupDirectoryPath.Join(parent, "cpuset.cpus")))
                break;
            levels.Push(level);
            level = parent;
        }

        while (levels.TryPop(out var level))
        {
            if (!fs.Exists(level))
                fs.CreateDirectory(level);
            InheritIfEmpty(fs, level, CgroupDirectoryPath.Parent(level)!);
        }
    }

    private static void InheritIfEmpty(ICgroupFileSystem fs, string directory, string parent)
    {
        foreach (var name in InheritedFiles)
        {
            var file = CgroupDirectoryPath.Join(directory, name);
            if (fs.ReadFile(file).Trim().Length > 0)
                continue;

            var inherited = fs.ReadFile(CgroupDirectoryPath.Join(parent, name)).Trim();
            fs.WriteFile(file, inherited);
        }
    }
}
