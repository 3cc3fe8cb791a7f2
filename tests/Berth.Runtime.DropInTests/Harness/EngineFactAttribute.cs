using Xunit;

namespace Berth.Runtime.DropInTests.Harness;

/// <summary>
/// A [Fact] that is skipped, with the apt package to install, when the engine's binaries are not on this
/// machine, when the process is not root, or when busybox-static is missing. .ci/run installs them, so on
/// CI these tests run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EngineFactAttribute : FactAttribute
{
    private static readonly Dictionary<string, string> s_packages = new()
    {
        ["containerd"] = "containerd",
        ["ctr"] = "containerd",
        ["containerd-shim-runc-v2"] = "containerd",
        ["dockerd"] = "docker.io",
        ["docker"] = "docker.io",
        ["podman"] = "podman",
        ["conmon"] = "podman",
    };

    public EngineFactAttribute(params string[] binaries)
    {
        if (Native.Geteuid() != 0)
        {
            Skip = "needs root (the engines run real containers)";
            return;
        }

        if (!BusyboxImage.Available)
        {
            Skip = $"{BusyboxImage.BusyboxPath} not installed: apt-get install busybox-static";
            return;
        }

        var missing = binaries.Where(b => Cmd.Which(b) is null).ToList();
        if (missing.Count > 0)
        {
            var packages = missing.Select(b => s_packages.GetValueOrDefault(b, b)).Distinct();
            Skip = $"{string.Join(", ", missing)} not installed: apt-get install {string.Join(' ', packages)}";
        }
    }
}
