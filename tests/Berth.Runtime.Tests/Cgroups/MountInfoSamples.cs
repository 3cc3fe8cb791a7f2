namespace Berth.Runtime.Tests.Cgroups;

/// <summary>mountinfo texts of the three cgroup layouts, as the kernel prints them.</summary>
internal static class MountInfoSamples
{
    /// <summary>
    /// The development VM (kernel 6.18): one v1 hierarchy per controller, the named name=systemd one,
    /// and an empty cgroup2 at /sys/fs/cgroup/unified. Copied from its /proc/self/mountinfo.
    /// </summary>
    public const string ThisHostHybrid = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

        """;

    /// <summary>The /proc/self/cgroup of a process on <see cref="ThisHostHybrid"/>, inside a memory cgroup of its own.</summary>
    public const string ThisHostOwnCgroup = """
        9:name=systemd:/
        8:pids:/
        7:blkio:/
        6:freezer:/
        5:devices:/
        4:memory:/process_api/811bd37dc545f30c15dc51079a0e3f5b
        3:cpuset:/
        2:cpuacct:/
        1:cpu:/
        0::/

        """;

    /// <summary>A systemd v1 host (CentOS 7 style): comounted controllers, xattr and release_agent options, no cgroup2.</summary>
    public const string Legacy = """
        18 62 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
        24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:7 - tmpfs tmpfs ro,mode=755
        25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
        28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
        29 24 0:25 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio
        30 24 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
        31 24 0:27 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,devices
        32 24 0:28 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpuset
        33 24 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids

        """;

    /// <summary>The /proc/self/cgroup of a service on <see cref="Legacy"/>.</summary>
    public const string LegacyOwnCgroup = """
        8:pids:/system.slice/containerd.service
        7:cpuset:/
        6:devices:/system.slice/containerd.service
        5:memory:/system.slice/containerd.service
        4:net_cls,net_prio:/
        3:cpu,cpuacct:/system.slice/containerd.service
        1:name=systemd:/system.slice/containerd.service
        0::/system.slice/containerd.service

        """;

    /// <summary>A cgroup v2 host (Ubuntu 22.04 style).</summary>
    public const string Unified = """
        24 29 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot

        """;

    /// <summary>The /proc/self/cgroup of a service on <see cref="Unified"/>.</summary>
    public const string UnifiedOwnCgroup = """
        0::/system.slice/containerd.service

        """;

    /// <summary>
    /// Inside a container of a v1 host with the host's hierarchies bind-mounted: the mounts show the
    /// container's cgroups (field 4), while /proc/self/cgroup still names them from the host's root.
    /// </summary>
    public const string NestedLegacy = """
        1200 1190 0:29 /docker/abc /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu
        1201 1190 0:32 /docker/abc /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory

        """;

    public const string NestedLegacyOwnCgroup = """
        4:memory:/docker/abc/runtime
        1:cpu:/docker/abc
        0::/

        """;
}
