namespace Berth.Oci.Runtime;

/// <summary>
/// The starter config.json the spec verb writes: runc's libcontainer/specconv Example() and
/// ToRootless(), with this runtime's version and hostname.
/// </summary>
public static class DefaultSpec
{
    private static readonly string[] s_capabilities = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

    /// <summary>Builds a fresh spec (the caller may modify it).</summary>
    /// <param name="rootless">Adjust for a container started by an unprivileged user, as `runc spec --rootless`.</param>
    /// <param name="hostUid">The effective uid to map to root when rootless (the caller's geteuid()).</param>
    /// <param name="hostGid">The effective gid to map to root when rootless (the caller's getegid()).</param>
    /// <param name="cgroupNamespace">
    /// Add a cgroup namespace. runc adds one only on a cgroup v2 host, so the caller, which can
    /// look at the host, decides.
    /// </param>
    public static Spec Create(bool rootless, uint hostUid = 0, uint hostGid = 0, bool cgroupNamespace = true)
    {
        var spec = new Spec
        {
            OciVersion = OciVersions.Current,
            Root = new Root { Path = "rootfs", Readonly = true },
            Process = new Process
            {
                Terminal = true,
                User = new User { Uid = 0, Gid = 0 },
                Args = ["sh"],
                Env =
                [
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm",
                ],
                Cwd = "/",
                Capabilities = new LinuxCapabilities
                {
                    Bounding = [.. s_capabilities],
                    Effective = [.. s_capabilities],
                    Permitted = [.. s_capabilities],
                },
                Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Hostname = "berth",
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
                new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new Mount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new Mount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new Mount { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new Mount { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new Mount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new Linux
            {
                Resources = new LinuxResources
                {
                    Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }],
                },
                Namespaces =
                [
                    new LinuxNamespace { Type = NamespaceTypes.Pid },
                    new LinuxNamespace { Type = NamespaceTypes.Network },
                    new LinuxNamespace { Type = NamespaceTypes.Ipc },
                    new LinuxNamespace { Type = NamespaceTypes.Uts },
                    new LinuxNamespace { Type = NamespaceTypes.Mount },
                ],
                MaskedPaths =
                [
                    "/proc/acpi",
                    "/proc/asound",
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/latency_stats",
                    "/proc/timer_list",
                    "/proc/timer_stats",
                    "/proc/sched_debug",
                    "/sys/firmware",
                    "/proc/scsi",
                ],
                ReadonlyPaths =
                [
                    "/proc/bus",
                    "/proc/fs",
                    "/proc/irq",
                    "/proc/sys",
                    "/proc/sysrq-trigger",
                ],
            },
        };

        if (cgroupNamespace)
        {
            spec.Linux.Namespaces.Add(new LinuxNamespace { Type = NamespaceTypes.Cgroup });
        }

        if (rootless)
        {
            MakeRootless(spec, hostUid, hostGid);
        }

        return spec;
    }

    /// <summary>runc's ToRootless: what an unprivileged user cannot have is removed, a user namespace added.</summary>
    private static void MakeRootless(Spec spec, uint hostUid, uint hostGid)
    {
        var linux = spec.Linux!;

        // An unprivileged user cannot create a network namespace with connectivity (no veth
        // without CAP_NET_ADMIN on the host), so the host's is kept.
        linux.Namespaces = [.. linux.Namespaces!.Where(ns => ns.Type is not (NamespaceTypes.Network or NamespaceTypes.User))];
        linux.Namespaces.Add(new LinuxNamespace { Type = NamespaceTypes.User });

        linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = hostUid, Size = 1 }];
        linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = hostGid, Size = 1 }];

        var mounts = new List<Mount>();
        foreach (var mount in spec.Mounts!)
        {
            // sysfs can only be mounted by the owner of the network namespace, which is the host's.
            if (mount.Destination == "/sys")
            {
                mounts.Add(new Mount { Destination = "/sys", Type = "none", Source = "/sys", Options = ["rbind", "nosuid", "noexec", "nodev", "ro"] });
                continue;
            }

            // Only one uid and one gid are mapped; "gid=5" (tty) would not exist in the container.
            mount.Options = mount.Options?.Where(o => !o.StartsWith("gid=", StringComparison.Ordinal) && !o.StartsWith("uid=", StringComparison.Ordinal)).ToList();
            mounts.Add(mount);
        }

        spec.Mounts = mounts;

        // An unprivileged user cannot write cgroup limits unless delegated; leave them to the caller.
        linux.Resources = null;
    }
}
