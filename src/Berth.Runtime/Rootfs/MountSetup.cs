using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Rootfs;

/// <summary>Mounts one entry of config.json's <c>mounts</c> beneath the root, on an fd opened inside it.</summary>
public sealed class MountSetup(RootDir root, bool privateCgroupNamespace)
{
    private static readonly HashSet<string> NoSourceTypes = ["proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2"];

    public void Mount(Oci.Runtime.Mount m, int index)
    {
        var dest = m.Destination;
        var field = $"mounts[{index}]";
        var parsed = ParsedMount.Parse(m.Options);
        var type = m.Type ?? (parsed.IsBind ? "bind" : "");
        if (type == "bind")
            parsed = parsed with { Flags = parsed.Flags | MountFlags.MS_BIND };
        CheckProcDestination(dest, type, field);

        if (type is "cgroup" or "cgroup2" && !parsed.IsBind)
        {
            new CgroupMount(root, privateCgroupNamespace).Mount(dest, parsed, type);
            return;
        }

        try
        {
            MountOnTarget(m, parsed, type, field);
        }
        catch (LinuxException e)
        {
            throw new RuntimeException($"{field} ({m.Destination}): {e.Message}", e);
        }
    }

    private void MountOnTarget(Oci.Runtime.Mount m, ParsedMount parsed, string type, string field)
    {
        var dest = m.Destination;
        using (var target = OpenTarget(m, parsed, field))
        {
            if (parsed.IsBind)
                Sys.Mount(m.Source!, target.ProcPath, null, parsed.Flags & (MountFlags.MS_BIND | MountFlags.MS_REC), null);
            else
                Sys.Mount(string.IsNullOrEmpty(m.Source) ? type : m.Source, target.ProcPath, type, parsed.Flags & ~MountFlags.MS_REMOUNT, parsed.Data);
        }
        // The fd opened before mounting still points at the directory underneath; the new mount
        // is reached by opening the destination again.
        using var mounted = OpenTarget(m, parsed, field);
        if (parsed.IsBind)
        {
            // A bind mount takes the flags of its source; ro, nosuid and the like need a remount.
            var extra = parsed.Flags & ~(MountFlags.MS_BIND | MountFlags.MS_REC | MountFlags.MS_REMOUNT);
            if (extra != 0)
                Remount(mounted, dest, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | extra);
        }
        foreach (var p in parsed.Propagation)
            Sys.Mount(null, mounted.ProcPath, null, p, null);
        if (parsed.RecursiveSet != 0 || parsed.RecursiveClear != 0)
            MountAttributes.SetRecursive(mounted, dest, parsed.RecursiveSet, parsed.RecursiveClear);
    }

    /// <summary>Re-applies flags to an existing mount, keeping the locked flags of the mount it came from.</summary>
    public static void Remount(UnixFd target, string dest, ulong flags)
    {
        try
        {
            Sys.Mount(null, target.ProcPath, null, flags, null);
        }
        catch (LinuxException e) when (e.Errno == Errno.EPERM)
        {
            // In a user namespace the kernel refuses to clear nodev/nosuid/noexec/atime flags
            // inherited from the host mount, so keep those that are set.
            var kept = MountAttributes.CurrentFlags(target, dest);
            Sys.Mount(null, target.ProcPath, null, flags | kept, null);
        }
    }

    // CVE-2019-16884, CVE-2019-19921, CVE-2023-27561: a mount on or under /proc could redirect
    // the runtime's procfs writes. Only a proc mount may go to /proc itself.
    private static void CheckProcDestination(string dest, string type, string field)
    {
        var clean = "/" + string.Join('/', dest.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
        if (clean == "/proc" && type != "proc")
            throw new RuntimeException($"config.json: {field}.destination: {dest} cannot be mounted because it is not of type proc");
        if (clean.StartsWith("/proc/", StringComparison.Ordinal))
            throw new RuntimeException($"config.json: {field}.destination: {dest} cannot be mounted because it is inside /proc");
    }

    private UnixFd OpenTarget(Oci.Runtime.Mount m, ParsedMount parsed, string field)
    {
        var isFile = false;
        if (parsed.IsBind)
        {
            var src = m.Source ?? throw new RuntimeException($"config.json: {field}.source: bind mount needs a source");
            if (!Sys.TryLstat(src, out var st))
                throw new RuntimeException($"config.json: {field}.source: {src}: no such file or directory");
            if ((st.Mode & StatMode.S_IFMT) == StatMode.S_IFLNK)
            {
                var info = new FileInfo(src).ResolveLinkTarget(true);
                isFile = info is FileInfo;
            }
            else
                isFile = (st.Mode & StatMode.S_IFMT) != StatMode.S_IFDIR;
        }
        else if (!NoSourceTypes.Contains(m.Type ?? ""))
        {
            isFile = false;
        }
        try
        {
            return isFile ? root.CreateFile(m.Destination) : root.MkdirAll(m.Destination);
        }
        catch (LinuxException e)
        {
            throw new RuntimeException($"config.json: {field}.destination: {m.Destination}: {e.Message}", e);
        }
    }
}
