namespace Berth.Runtime.Cgroups;

/// <summary>Which cgroup hierarchies the host has mounted.</summary>
public enum CgroupMode
{
    /// <summary>cgroup v1 only: one hierarchy per controller (or comounted group of controllers).</summary>
    Legacy,

    /// <summary>cgroup v1 controllers, plus a cgroup2 tree (usually at /sys/fs/cgroup/unified) that holds no controllers.</summary>
    Hybrid,

    /// <summary>cgroup v2 only: one unified tree, normally at /sys/fs/cgroup.</summary>
    Unified,
}
