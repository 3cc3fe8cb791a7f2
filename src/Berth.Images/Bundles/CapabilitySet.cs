using Berth.Oci.Runtime;
using static Berth.Images.Bundles.Quoting;

namespace Berth.Images.Bundles;

/// <summary>The container's capabilities: docker's default set, tweaked by --cap-add and --cap-drop.</summary>
public static class CapabilitySet
{
    /// <summary>
    /// moby daemon/pkg/oci/caps/defaults.go and containerd's defaultUnixCaps (security-baseline 1.1,
    /// SEC-CAP-1): CapBnd 00000000a80425fb.
    /// </summary>
    public static IReadOnlyList<string> Defaults { get; } =
    [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FSETID",
        "CAP_FOWNER",
        "CAP_MKNOD",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETFCAP",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT",
        "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ];

    /// <summary>
    /// moby's TweakCapabilities: ALL in add grants every capability but the dropped ones; ALL in
    /// drop starts from nothing; otherwise drops come off the defaults and adds go on (an add
    /// wins over a drop of the same name). The result is in kernel order.
    /// </summary>
    /// <exception cref="BundleException">A name that is not a capability (SEC-CAP-3).</exception>
    public static List<string> Resolve(IReadOnlyList<string>? capAdd, IReadOnlyList<string>? capDrop)
    {
        var add = Normalize(capAdd, "CapAdd");
        var drop = Normalize(capDrop, "CapDrop");
        IEnumerable<string> caps;
        if (add.Contains("ALL"))
            caps = Capabilities.Names.Where(c => !drop.Contains(c));
        else if (drop.Contains("ALL"))
            caps = add;
        else
            caps = Defaults.Where(c => !drop.Contains(c)).Concat(add);
        var set = caps.ToHashSet(StringComparer.Ordinal);
        return [.. Capabilities.Names.Where(set.Contains)];
    }

    /// <summary>Bit mask as /proc/PID/status prints CapBnd, for comparing with the kernel's view.</summary>
    public static ulong Mask(IEnumerable<string> names) =>
        names.Aggregate(0UL, (mask, name) => mask | (1UL << Capabilities.All[name]));

    private static HashSet<string> Normalize(IReadOnlyList<string>? names, string field)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in names ?? [])
        {
            var name = raw.Trim().ToUpperInvariant();
            if (name != "ALL" && !name.StartsWith("CAP_", StringComparison.Ordinal))
                name = "CAP_" + name;
            if (name != "ALL" && !Capabilities.All.ContainsKey(name))
                throw new BundleException($"options: {field}: unknown capability {Quote(raw)}");
            set.Add(name);
        }
        return set;
    }
}
