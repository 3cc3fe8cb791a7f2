using Berth.Images.Oci;
using Berth.Oci.Runtime;
using OciLinux = Berth.Oci.Runtime.Linux;
using OciProcess = Berth.Oci.Runtime.Process;

namespace Berth.Images.Bundles;

/// <summary>
/// Image config → OCI runtime spec, for <c>berth image bundle</c>: what umoci unpack and
/// containerd's oci.WithImageConfig take from the image, on top of docker's default spec
/// (security-baseline section 1). The image config is untrusted input (IMG-CFG-1..2).
/// </summary>
public static class ImageSpecBuilder
{
    private const string Image = "image config";
    private const string Options = "options";

    /// <param name="image">The parsed image config.</param>
    /// <param name="rootfsPath">The unpacked rootfs on the host; its /etc/passwd and /etc/group name the user.</param>
    /// <param name="options">What the user gave on top of the image.</param>
    /// <exception cref="BundleException">The image or the options ask for something refused; the message names the field.</exception>
    public static BundlePlan Build(ImageConfig image, string rootfsPath, BundleOptions options)
    {
        var config = image.Config ?? new ExecutionConfig();
        if (!string.IsNullOrEmpty(image.OS) && image.OS != "linux")
            throw new BundleException($"{Image}: os: unsupported {Quoting.Quote(image.OS)} (expected linux)");

        var user = options.User is not null
            ? UserResolver.Resolve(options.User, rootfsPath, Options)
            : UserResolver.Resolve(config.User, rootfsPath, Image);
        var cwd = options.WorkingDir is not null
            ? ContainerPaths.Cwd(options.WorkingDir, Options)
            : ContainerPaths.Cwd(config.WorkingDir, Image);
        var caps = CapabilitySet.Resolve(options.CapAdd, options.CapDrop);
        var annotations = ImageAnnotations.For(image);

        var spec = new Spec
        {
            OciVersion = OciVersions.Current,
            Root = new Root { Path = options.RootfsPath, Readonly = options.ReadonlyRootfs },
            Hostname = string.IsNullOrEmpty(options.Hostname) ? null : options.Hostname,
            Process = new OciProcess
            {
                Terminal = options.Terminal,
                Args = Args(config, options),
                Env = [.. Env(config, options, user)],
                Cwd = cwd,
                User = new User { Uid = user.Uid, Gid = user.Gid, AdditionalGids = [.. user.AdditionalGids] },
                // SEC-CAP-2 (CVE-2022-29162): inheritable and ambient stay empty, so a binary
                // with inheritable file capabilities gains nothing on execve.
                Capabilities = new LinuxCapabilities
                {
                    Bounding = [.. caps],
                    Effective = [.. caps],
                    Permitted = [.. caps],
                    Inheritable = [],
                    Ambient = [],
                },
                NoNewPrivileges = options.NoNewPrivileges,
            },
            Mounts = DockerDefaults.Mounts(options.ShmSize),
            Annotations = annotations,
            Linux = new OciLinux
            {
                Namespaces = Namespaces(options),
                MaskedPaths = [.. DockerDefaults.MaskedPaths],
                ReadonlyPaths = [.. DockerDefaults.ReadonlyPaths],
                Resources = new LinuxResources { Devices = [.. DockerDefaults.DeviceRules.Select(Copy)] },
                // Docker's default seccomp profile is a separate issue; until then only a profile
                // the caller gives is applied.
                Seccomp = options.SeccompProfile,
            },
        };

        return new BundlePlan(spec, Volumes(config), string.IsNullOrEmpty(config.StopSignal) ? null : config.StopSignal, annotations);
    }

    /// <summary>docker run: a new entrypoint drops the image's Cmd unless a Cmd is given too.</summary>
    private static List<string> Args(ExecutionConfig config, BundleOptions options)
    {
        var entrypoint = options.Entrypoint ?? config.Entrypoint ?? [];
        var cmd = options.Cmd ?? (options.Entrypoint is null ? config.Cmd : null) ?? [];
        List<string> args = [.. entrypoint, .. cmd];
        if (args.Count == 0)
            throw new BundleException("image has no command; give one");
        return args;
    }

    /// <summary>
    /// moby's CreateDaemonEnvironment order: PATH, HOSTNAME, TERM first, then the image's Env
    /// and the user's, each replacing an earlier value of the same key.
    /// </summary>
    private static IReadOnlyList<string> Env(ExecutionConfig config, BundleOptions options, ResolvedUser user)
    {
        var env = new EnvList();
        env.Set("PATH", DockerDefaults.Path);
        if (!string.IsNullOrEmpty(options.Hostname))
            env.Set("HOSTNAME", options.Hostname);
        if (options.Terminal)
            env.Set("TERM", "xterm");
        env.SetAll(config.Env, Image);
        env.SetAll(options.Env, Options);
        // runc sets HOME from the passwd entry when the environment has none.
        if (!env.Contains("HOME"))
            env.Set("HOME", user.Home);
        return env.Entries;
    }

    private static List<LinuxNamespace> Namespaces(BundleOptions options)
    {
        if (options.HostNetwork && options.NetworkNamespacePath is not null)
            throw new BundleException($"{Options}: NetworkNamespacePath: cannot be combined with HostNetwork");
        if (options.NetworkNamespacePath is { } path && !path.StartsWith('/'))
            throw new BundleException($"{Options}: NetworkNamespacePath: {Quoting.Quote(path)} must be an absolute path");

        var namespaces = new List<LinuxNamespace>
        {
            new() { Type = NamespaceTypes.Pid },
            new() { Type = NamespaceTypes.Ipc },
            new() { Type = NamespaceTypes.Uts },
            new() { Type = NamespaceTypes.Mount },
        };
        if (!options.HostNetwork)
            namespaces.Add(new LinuxNamespace { Type = NamespaceTypes.Network, Path = options.NetworkNamespacePath });
        if (options.CgroupNamespace)
            namespaces.Add(new LinuxNamespace { Type = NamespaceTypes.Cgroup });
        return namespaces;
    }

    private static List<string> Volumes(ExecutionConfig config) =>
        [.. (config.Volumes?.Keys ?? []).Select(ContainerPaths.Volume).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static LinuxDeviceCgroup Copy(LinuxDeviceCgroup rule) =>
        new() { Allow = rule.Allow, Type = rule.Type, Major = rule.Major, Minor = rule.Minor, Access = rule.Access };
}
