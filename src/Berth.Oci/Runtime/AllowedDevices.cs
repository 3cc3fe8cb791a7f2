namespace Berth.Oci.Runtime;

/// <summary>
/// The device cgroup rules every container gets on top of its config (runc's AllowedDevices):
/// mknod of anything, the standard nodes, ptys and tun. The runtime applies them; image bundles
/// write them into config.json after a deny-all rule, as docker does.
/// </summary>
public static class AllowedDevices
{
    public static IReadOnlyList<LinuxDeviceCgroup> Rules { get; } =
    [
        new() { Allow = true, Type = "c", Access = "m" },
        new() { Allow = true, Type = "b", Access = "m" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 8, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 7, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 5, Minor = 0, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 5, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 9, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 136, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 5, Minor = 2, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 5, Minor = 1, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 10, Minor = 200, Access = "rwm" },
    ];
}
