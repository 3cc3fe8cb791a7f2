using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Init;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// Builds the container's root filesystem inside its new mount namespace, in runc's order:
/// propagation, the root bind, the config's mounts, /dev; then (after the createContainer hooks)
/// pivot_root, masked and read-only paths, and a read-only root.
/// </summary>
public sealed class RootfsSetup(InitConfig config)
{
    private readonly Spec _spec = config.Config;
    private bool _devReadonly;

    public void Prepare()
    {
        var rootfs = config.Rootfs;
        var propagation = PropagationFlags(_spec.Linux?.RootfsPropagation);
        Sys.Mount(null, "/", null, propagation, null);
        MakeParentPrivate(rootfs);
        Sys.Mount(rootfs, rootfs, null, MountFlags.MS_BIND | MountFlags.MS_REC, null);

        using var root = new RootDir(rootfs);
        RefuseSymlinkedProc(root);
        var devices = new DeviceSetup(root, config.InUserNamespace);
        devices.CheckDevIsDirectory();

        var mounts = new MountSetup(root, config.NewCgroupNamespace);
        var ownDev = false;
        var list = _spec.Mounts ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var m = list[i];
            var isDev = Normalize(m.Destination) == "/dev";
            if (isDev && m.Type == "tmpfs" || isDev && m.Type is null)
            {
                ownDev = true;
                if (m.Options?.Contains("ro") == true)
                {
                    _devReadonly = true;
                    m = new Mount { Destination = m.Destination, Type = m.Type, Source = m.Source, Options = [.. m.Options.Where(o => o != "ro")] };
                }
            }
            mounts.Mount(m, i);
        }

        if (ownDev)
            devices.CreateDevices(DeviceSetup.Defaults);
        devices.CreateDevices(_spec.Linux?.Devices ?? []);
        if (ownDev)
            devices.CreateLinks();
    }

    public void Finish()
    {
        var rootfs = config.Rootfs;
        if (config.NoPivot)
            MoveRoot(rootfs);
        else
            PivotRoot(rootfs);

        if (_spec.Linux?.RootfsPropagation is { Length: > 0 } p)
            Sys.Mount(null, "/", null, PropagationFlags(p), null);

        if (_devReadonly)
        {
            using var dev = Sys.Open("/dev", OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
            MountSetup.Remount(dev, "/dev", MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY);
        }
    }

    public void ApplyPathRestrictions()
    {
        var linux = _spec.Linux;
        if (linux?.ReadonlyPaths is { Count: > 0 } ro)
            PathMasker.MakeReadonly(ro);
        if (linux?.MaskedPaths is { Count: > 0 } masked)
            PathMasker.Mask(masked);
        if (_spec.Root?.Readonly == true)
        {
            using var root = Sys.Open("/", OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
            MountSetup.Remount(root, "/", MountFlags.MS_BIND | MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY);
        }
    }

    private static string Normalize(string path) =>
        "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries));

    private static ulong PropagationFlags(string? value) => value switch
    {
        null or "" => MountFlags.MS_SLAVE | MountFlags.MS_REC,
        "private" => MountFlags.MS_PRIVATE,
        "rprivate" => MountFlags.MS_PRIVATE | MountFlags.MS_REC,
        "slave" => MountFlags.MS_SLAVE,
        "rslave" => MountFlags.MS_SLAVE | MountFlags.MS_REC,
        "shared" => MountFlags.MS_SHARED,
        "rshared" => MountFlags.MS_SHARED | MountFlags.MS_REC,
        "unbindable" => MountFlags.MS_UNBINDABLE,
        "runbindable" => MountFlags.MS_UNBINDABLE | MountFlags.MS_REC,
        _ => throw new RuntimeException($"config.json: linux.rootfsPropagation: unknown propagation \"{value}\""),
    };

    // pivot_root(2) refuses a new root whose parent mount is shared; with rshared root
    // propagation it would be, so the parent is made private first (as runc does).
    private static void MakeParentPrivate(string rootfs)
    {
        var best = "/";
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length < 5)
                continue;
            var mp = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            if ((rootfs == mp || rootfs.StartsWith(mp.TrimEnd('/') + "/", StringComparison.Ordinal)) && mp.Length > best.Length)
                best = mp;
        }
        Sys.Mount(null, best, null, MountFlags.MS_PRIVATE, null);
    }

    // CVE-2019-16884 / CVE-2023-27561: a /proc that is a symlink would move proc mounts and the
    // runtime's procfs writes elsewhere.
    private static void RefuseSymlinkedProc(RootDir root)
    {
        var err = Sys.TryOpenInRoot(root.Fd.Value, "proc", OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW, out var fd);
        if (err != 0)
            return;
        using (fd)
        {
            var st = Sys.Fstat(fd!.Value, "/proc");
            if ((st.Mode & StatMode.S_IFMT) == StatMode.S_IFLNK)
                throw new RuntimeException("rootfs: /proc is a symlink; refusing to mount on it");
        }
    }

    private static void PivotRoot(string rootfs)
    {
        using var oldRoot = Sys.Open("/", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        using var newRoot = Sys.Open(rootfs, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (Libc.Fchdir(newRoot.Value) != 0)
            throw LinuxException.FromLastError("fchdir", rootfs);
        // pivot_root(".", ".") stacks the old root on top of the new one; unmounting "." after
        // returning to it removes the old root without needing a directory for it.
        Sys.PivotRoot(".", ".");
        if (Libc.Fchdir(oldRoot.Value) != 0)
            throw LinuxException.FromLastError("fchdir", "old root");
        Sys.Mount(null, ".", null, MountFlags.MS_SLAVE | MountFlags.MS_REC, null);
        Sys.Umount(".", MountFlags.MNT_DETACH);
        Sys.Chdir("/");
    }

    private static void MoveRoot(string rootfs)
    {
        Sys.Chdir(rootfs);
        Sys.Mount(rootfs, "/", null, MountFlags.MS_MOVE, null);
        Sys.Chroot(".");
        Sys.Chdir("/");
    }
}
