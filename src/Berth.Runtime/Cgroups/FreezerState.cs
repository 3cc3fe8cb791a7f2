namespace Berth.Runtime.Cgroups;

/// <summary>Whether a cgroup's processes are frozen, as runc's configs.FreezerState.</summary>
public enum FreezerState
{
    /// <summary>There is no freezer to ask (v1 freezer controller not mounted, or a kernel before 5.2 on v2).</summary>
    Undefined,

    Frozen,

    Thawed,
}
