using Berth.Oci.Runtime;

namespace Berth.Images.Bundles;

/// <summary>What the user gives on top of the image, as <c>docker run</c>'s flags do.</summary>
public sealed record BundleOptions
{
    /// <summary>docker's default --shm-size (moby daemon/config DefaultShmSize).</summary>
    public const long DefaultShmSize = 64L << 20;

    /// <summary>Replaces the image's Entrypoint; the image's Cmd is then dropped unless <see cref="Cmd"/> is given. Empty clears it.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>Replaces the image's Cmd.</summary>
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>KEY=value entries that override the image's by key.</summary>
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>Replaces the image's User; same forms (uid, uid:gid, name, name:group…).</summary>
    public string? User { get; init; }

    /// <summary>Replaces the image's WorkingDir; must be absolute.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>The container's hostname; also exported as HOSTNAME, as docker does.</summary>
    public string? Hostname { get; init; }

    public bool Terminal { get; init; }

    /// <summary>Capability names with or without CAP_, or ALL.</summary>
    public IReadOnlyList<string>? CapAdd { get; init; }

    /// <summary>Capability names with or without CAP_, or ALL.</summary>
    public IReadOnlyList<string>? CapDrop { get; init; }

    /// <summary>Off by default, as in docker (security-baseline 1.6).</summary>
    public bool NoNewPrivileges { get; init; }

    /// <summary>Keep the host's network namespace (--network=host).</summary>
    public bool HostNetwork { get; init; }

    /// <summary>Join this network namespace (a /proc/PID/ns/net or bind-mounted nsfs path).</summary>
    public string? NetworkNamespacePath { get; init; }

    /// <summary>A private cgroup namespace (the baseline wants one on cgroup v2; the caller knows the host).</summary>
    public bool CgroupNamespace { get; init; } = true;

    /// <summary>Size of the /dev/shm tmpfs in bytes.</summary>
    public long ShmSize { get; init; } = DefaultShmSize;

    /// <summary>A seccomp filter; none when null (docker's default profile is a later issue).</summary>
    public LinuxSeccomp? SeccompProfile { get; init; }

    /// <summary>root.path in config.json: relative to the bundle, or absolute.</summary>
    public string RootfsPath { get; init; } = "rootfs";

    public bool ReadonlyRootfs { get; init; }
}
