using System.Globalization;
using Berth.Oci.Runtime;

namespace Berth.Images.Bundles;

/// <summary>
/// The hardening every container gets unless the user opts out (security-baseline section 1),
/// as moby's daemon/pkg/oci/defaults.go writes it. Where `berth-runtime spec` (<see cref="DefaultSpec"/>,
/// runc's example) already has the same value it is taken from there.
/// </summary>
public static class DockerDefaults
{
    /// <summary>docker's PATH when the image sets none (moby system.DefaultPathEnv).</summary>
    public const string Path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// Masked paths (baseline 1.3): runc's example list plus /proc/interrupts
    /// (GHSA-6fw5-f8r9-fgfm) and /sys/devices/virtual/powercap (GHSA-jq35-85cj-fj4p). moby's
    /// per-CPU thermal_throttle paths depend on the host's CPUs and are not added here.
    /// </summary>
    public static IReadOnlyList<string> MaskedPaths { get; } =
        [.. DefaultSpec.Create(rootless: false).Linux!.MaskedPaths!, "/proc/interrupts", "/sys/devices/virtual/powercap"];

    /// <summary>Read-only paths (baseline 1.3): the same in runc's example and moby.</summary>
    public static IReadOnlyList<string> ReadonlyPaths { get; } = DefaultSpec.Create(rootless: false).Linux!.ReadonlyPaths!;

    /// <summary>Device cgroup (baseline 1.5): deny everything, then the nodes every container may use.</summary>
    public static IReadOnlyList<LinuxDeviceCgroup> DeviceRules { get; } =
        [new() { Allow = false, Access = "rwm" }, .. AllowedDevices.Rules];

    /// <summary>The standard mounts of baseline 1.4, in docker's order, with /dev/shm of the given size.</summary>
    public static List<Mount> Mounts(long shmSize)
    {
        if (shmSize <= 0)
            throw new BundleException($"options: ShmSize: must be greater than 0 (got {shmSize.ToString(CultureInfo.InvariantCulture)})");
        var runc = DefaultSpec.Create(rootless: false).Mounts!.ToDictionary(m => m.Destination, StringComparer.Ordinal);
        return
        [
            // runc's example mounts proc with no options; docker adds nosuid,noexec,nodev.
            new Mount { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
            runc["/dev"],
            runc["/dev/pts"],
            new Mount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=" + Size(shmSize)] },
            runc["/dev/mqueue"],
            runc["/sys"],
            // Read-only: a writable cgroupfs lets root in the container change its own limits.
            new Mount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["ro", "nosuid", "noexec", "nodev"] },
        ];
    }

    private static string Size(long bytes) =>
        bytes % 1024 == 0 ? (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "k" : bytes.ToString(CultureInfo.InvariantCulture);
}
