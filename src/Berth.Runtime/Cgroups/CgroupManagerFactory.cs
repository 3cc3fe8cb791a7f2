using Berth.Runtime.Cgroups.V1;
using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Cgroups;

/// <summary>
/// Resolves a container's <c>linux.cgroupsPath</c> the way runc's cgroupfs driver does and picks the
/// manager for the host's <see cref="CgroupMode"/>: <see cref="V2Manager"/> on a unified host,
/// <see cref="V1Manager"/> on a legacy or hybrid one.
/// </summary>
public static class CgroupManagerFactory
{
    public const string DefaultOwnCgroupFile = "/proc/self/cgroup";

    /// <param name="cgroupsPath">The spec's <c>linux.cgroupsPath</c>; null or empty for none.</param>
    /// <param name="containerId">The container's id, which names its cgroup when there is no cgroupsPath.</param>
    /// <param name="mounts">The host's cgroup hierarchies.</param>
    /// <param name="ownCgroupFile">
    /// The runtime's /proc/[pid]/cgroup, read only when the path is relative (or absent); null refuses
    /// relative paths.
    /// </param>
    /// <param name="fileSystem">The cgroupfs the manager acts on; the host's by default.</param>
    public static ICgroupManager Create(
        string? cgroupsPath,
        string containerId,
        CgroupMounts mounts,
        string? ownCgroupFile = DefaultOwnCgroupFile,
        ICgroupFileSystem? fileSystem = null)
    {
        var path = CgroupsPath.Parse(cgroupsPath, containerId);
        OwnCgroups? own = null;
        if (!path.IsAbsolute)
        {
            own = ownCgroupFile is null
                ? throw CgroupException.InvalidCgroupsPath(path.ToString(), "a relative path needs the runtime's own cgroup, and none was given")
                : OwnCgroups.Load(ownCgroupFile);
        }

        if (mounts.Mode == CgroupMode.Unified)
        {
            // runc 1.1 fs2 defaultDirPath: a relative path is taken from the *parent* of the runtime's own
            // cgroup, because on v2 the runtime's cgroup has processes in it, and a cgroup with processes
            // cannot delegate controllers to children ("no internal processes" rule, cgroup-v2.rst).
            var directory = Resolve(mounts.Unified!, path, own, OwnCgroups.Unified, fromParentOfOwn: true);
            return new V2Manager(path.ToString(), directory, fileSystem);
        }

        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var hierarchy in mounts.V1Hierarchies)
        {
            var directory = Resolve(hierarchy, path, own, hierarchy.Controllers[0], fromParentOfOwn: false);
            foreach (var controller in hierarchy.Controllers)
                paths[controller] = directory;
        }

        // Hybrid: runc 1.1 joins the cgroup2 tree as well (libcontainer/cgroups/fs/fs.go adds a "" subsystem
        // when IsCgroup2HybridMode(), commit a8435007 "cgroups: join cgroup v2 when using hybrid mode"), so
        // that systemd and tools reading the 0:: line of /proc/<pid>/cgroup see the container's processes
        // together; exec'd processes would otherwise stay in the caller's v2 cgroup. We do the same, under
        // the same key. One deliberate difference: for a relative path runc 1.1 puts that directory at the
        // root of the cgroup2 mount (GetOwnCgroupPath("") returns the mount point), while we take it from
        // the runtime's own 0:: cgroup like every other hierarchy, so all the container's directories agree.
        if (mounts.Mode == CgroupMode.Hybrid)
            paths[OwnCgroups.Unified] = Resolve(mounts.Unified!, path, own, OwnCgroups.Unified, fromParentOfOwn: false);

        return new V1Manager(path.ToString(), paths, fileSystem);
    }

    /// <summary>
    /// An absolute path lies under the hierarchy's mount point. A relative one lies under the runtime's
    /// own cgroup, which /proc/self/cgroup gives from the cgroup namespace root and which the mount shows
    /// from its Root (mountinfo field 4), as runc's getCgroupPathHelper does.
    /// </summary>
    private static string Resolve(CgroupMount mount, CgroupsPath path, OwnCgroups? own, string controller, bool fromParentOfOwn)
    {
        if (path.IsAbsolute)
            return CgroupDirectoryPath.Join(mount.MountPoint, path.Components);

        if (!own!.TryGet(controller, out var ownCgroup))
        {
            throw CgroupException.Custom(
                "resolve", mount.MountPoint, $"cgroup: resolve {path}: the runtime's own cgroup in {mount} is not listed in /proc/self/cgroup");
        }

        var ownComponents = CgroupDirectoryPath.Split(ownCgroup);
        if (fromParentOfOwn && ownComponents.Count > 0)
            ownComponents.RemoveAt(ownComponents.Count - 1);

        var rootComponents = CgroupDirectoryPath.Split(mount.Root);
        if (ownComponents.Count < rootComponents.Count || !rootComponents.SequenceEqual(ownComponents.Take(rootComponents.Count)))
        {
            throw CgroupException.Custom(
                "resolve", mount.MountPoint,
                $"cgroup: resolve {path}: the runtime's own cgroup {ownCgroup} is outside {mount}, which shows cgroup {mount.Root}");
        }

        var below = ownComponents.Skip(rootComponents.Count).Concat(path.Components);
        return CgroupDirectoryPath.Join(mount.MountPoint, below);
    }
}
