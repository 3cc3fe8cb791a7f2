namespace Berth.Runtime.Cgroups;

/// <summary>One mounted cgroup hierarchy, as /proc/self/mountinfo describes it.</summary>
public sealed class CgroupMount
{
    public CgroupMount(string mountPoint, string root, bool isCgroup2, IReadOnlyList<string> controllers)
    {
        MountPoint = mountPoint;
        Root = root;
        IsCgroup2 = isCgroup2;
        Controllers = controllers;
    }

    /// <summary>Where the hierarchy is mounted (mountinfo field 5), e.g. <c>/sys/fs/cgroup/cpu,cpuacct</c>.</summary>
    public string MountPoint { get; }

    /// <summary>
    /// The cgroup shown at the mount point (mountinfo field 4). It is <c>/</c> on a host; inside a cgroup
    /// namespace or a bind mount it is the cgroup the mount starts at, and the paths in /proc/self/cgroup
    /// must be made relative to it.
    /// </summary>
    public string Root { get; }

    /// <summary>True for a <c>cgroup2</c> mount, false for a v1 <c>cgroup</c> hierarchy.</summary>
    public bool IsCgroup2 { get; }

    /// <summary>
    /// The v1 controllers bound to this hierarchy (<c>cpu</c>, <c>cpuacct</c>), or its name for a named
    /// hierarchy (<c>name=systemd</c>), in the order the kernel lists them; empty for cgroup2.
    /// </summary>
    public IReadOnlyList<string> Controllers { get; }

    public override string ToString() =>
        IsCgroup2 ? $"cgroup2 on {MountPoint}" : $"cgroup {string.Join(',', Controllers)} on {MountPoint}";
}
