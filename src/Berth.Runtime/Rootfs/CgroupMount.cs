using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// A <c>cgroup</c> mount in config.json, as runc makes it: on cgroup v1 a tmpfs holding one
/// directory per hierarchy, each the container's own cgroup (bind-mounted, or a fresh cgroup
/// mount inside a private cgroup namespace); on cgroup v2 the unified tree.
/// </summary>
public sealed class CgroupMount(RootDir root, bool privateCgroupNamespace)
{
    public void Mount(string dest, ParsedMount parsed, string type)
    {
        var hierarchies = Hierarchies();
        var unifiedOnly = hierarchies.All(h => h.FsType == "cgroup2");
        var flags = parsed.Flags & ~MountFlags.MS_REMOUNT;
        if (type == "cgroup2" || unifiedOnly)
        {
            var unified = hierarchies.FirstOrDefault(h => h.FsType == "cgroup2")
                ?? throw new RuntimeException($"mount cgroup2 on {dest}: no cgroup2 hierarchy on this host");
            MountOne(unified, dest, flags);
            return;
        }

        using (var target = root.MkdirAll(dest))
            Sys.Mount("tmpfs", target.ProcPath, "tmpfs", flags & ~MountFlags.MS_RDONLY, "mode=755");
        foreach (var h in hierarchies)
        {
            MountOne(h, dest.TrimEnd('/') + "/" + h.Name, flags);
        }
        if ((flags & MountFlags.MS_RDONLY) != 0)
        {
            using var target = root.MkdirAll(dest);
            Sys.Mount(null, target.ProcPath, null, MountFlags.MS_REMOUNT | flags, "mode=755");
        }
    }

    private void MountOne(Hierarchy h, string dest, ulong flags)
    {
        using (var target = root.MkdirAll(dest))
        {
            if (privateCgroupNamespace)
            {
                Sys.Mount(h.FsType, target.ProcPath, h.FsType, flags & ~MountFlags.MS_RDONLY, h.Options);
            }
            else
            {
                var source = Path.Combine(h.MountPoint, h.OwnPath.TrimStart('/'));
                Sys.Mount(source, target.ProcPath, null, MountFlags.MS_BIND | MountFlags.MS_REC, null);
            }
        }
        using var mounted = root.MkdirAll(dest);
        MountSetup.Remount(mounted, dest, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | (flags & ~MountFlags.MS_BIND));
    }

    private sealed record Hierarchy(string Name, string MountPoint, string FsType, string Options, string OwnPath);

    /// <summary>The host's cgroup hierarchies (from mountinfo) and this process's cgroup in each.</summary>
    private static List<Hierarchy> Hierarchies()
    {
        var own = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3)
                own[parts[1]] = parts[2];
        }
        var result = new List<Hierarchy>();
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0)
                continue;
            var left = line[..sep].Split(' ');
            var right = line[(sep + 3)..].Split(' ');
            var fstype = right[0];
            if (fstype is not ("cgroup" or "cgroup2"))
                continue;
            var mountPoint = left[4];
            var mountRoot = left[3];
            string key;
            var options = "";
            if (fstype == "cgroup2")
                key = "";
            else
            {
                var superOpts = right.Length > 2 ? right[2].Split(',') : [];
                var ctrls = superOpts.Where(o => o is not ("rw" or "ro") && !o.StartsWith("release_agent", StringComparison.Ordinal)
                    && o is not ("xattr" or "noprefix" or "clone_children" or "cpuset_v2_mode")).ToList();
                key = string.Join(',', ctrls);
                options = key;
            }
            if (!own.TryGetValue(key, out var path))
                continue;
            // The path in /proc/self/cgroup is relative to the hierarchy's root; the mount may show a subtree.
            var rel = mountRoot == "/" ? path : Path.GetRelativePath(mountRoot, path);
            if (rel.StartsWith("..", StringComparison.Ordinal))
                continue;
            result.Add(new Hierarchy(Path.GetFileName(mountPoint), mountPoint, fstype, options, rel == "." ? "/" : rel));
        }
        return result;
    }
}
