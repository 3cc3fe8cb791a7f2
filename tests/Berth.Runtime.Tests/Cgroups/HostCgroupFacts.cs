using Berth.Runtime.Cgroups;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>Why the real-host cgroup tests cannot run here, or null when they can.</summary>
internal static class HostCgroupConditions
{
    public static string? V1SkipReason => Reason(m => m.V1Hierarchies.Count > 0 && m.Mode != CgroupMode.Unified, "the host has no cgroup v1 hierarchies");

    public static string? Cgroup2SkipReason => Reason(m => m.Unified is not null, "the host has no cgroup2 mount");

    private static string? Reason(Func<CgroupMounts, bool> hasLayout, string missing)
    {
        if (!Environment.IsPrivilegedProcess)
            return "creating cgroups needs root";

        try
        {
            return hasLayout(CgroupMounts.Load()) ? null : missing;
        }
        catch (CgroupException e)
        {
            return e.Message;
        }
    }
}

/// <summary>A test on the host's real cgroup v1 hierarchies (legacy or hybrid host, as root).</summary>
public sealed class HostCgroupV1FactAttribute : FactAttribute
{
    public HostCgroupV1FactAttribute() => Skip = HostCgroupConditions.V1SkipReason;
}

/// <summary>A test on the host's real cgroup2 mount (the controller-less one of a hybrid host, or a v2 host's), as root.</summary>
public sealed class HostCgroup2FactAttribute : FactAttribute
{
    public HostCgroup2FactAttribute() => Skip = HostCgroupConditions.Cgroup2SkipReason;
}
