namespace Berth.Oci.Runtime;

/// <summary>Builds the document the features verb prints, in the shape of `runc features`.</summary>
public static class FeaturesProvider
{
    /// <summary>The annotation runc uses to report the libseccomp version it was built with.</summary>
    public const string LibseccompVersionAnnotation = "io.github.seccomp.libseccomp.version";

    /// <summary>Hook names in lifecycle order.</summary>
    public static IReadOnlyList<string> HookNames { get; } =
        ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

    /// <param name="seccompEnabled">Whether seccomp filters can be installed (decided by the caller, which can probe).</param>
    /// <param name="libseccompVersion">Reported as an annotation when given.</param>
    /// <param name="seccompSupportedFlags">Filter flags the running kernel accepts; null when unknown.</param>
    public static Features Create(bool seccompEnabled, string? libseccompVersion = null, IEnumerable<string>? seccompSupportedFlags = null)
    {
        var features = new Features
        {
            OciVersionMin = OciVersions.Minimum,
            OciVersionMax = OciVersions.Current,
            Hooks = [.. HookNames],
            MountOptions = [.. MountOptions.Names],
            Linux = new LinuxFeatures
            {
                Namespaces = [.. NamespaceTypes.All],
                Capabilities = [.. Capabilities.Names],
                Cgroup = new CgroupFeatures { V1 = true, V2 = true, Systemd = false, SystemdUser = false },
                Seccomp = seccompEnabled
                    ? new SeccompFeatures
                    {
                        Enabled = true,
                        Actions = [.. SeccompNames.Actions],
                        Operators = [.. SeccompNames.Operators],
                        Archs = [.. SeccompNames.Architectures],
                        KnownFlags = [.. SeccompNames.Flags],
                        SupportedFlags = seccompSupportedFlags?.ToList(),
                    }
                    : new SeccompFeatures { Enabled = false },
                Apparmor = new FeatureToggle { Enabled = false },
                Selinux = new FeatureToggle { Enabled = false },
                IntelRdt = new FeatureToggle { Enabled = false },
                MountExtensions = new MountExtensionsFeatures { IdMap = new FeatureToggle { Enabled = false } },
            },
        };

        if (libseccompVersion is not null)
        {
            features.Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [LibseccompVersionAnnotation] = libseccompVersion,
            };
        }

        return features;
    }
}
