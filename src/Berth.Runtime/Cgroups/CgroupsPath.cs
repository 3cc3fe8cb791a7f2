namespace Berth.Runtime.Cgroups;

/// <summary>
/// The OCI <c>linux.cgroupsPath</c> of a container, checked and cleaned: absolute paths are taken from the
/// root of each hierarchy, relative ones from the runtime's own cgroup there (runtime-spec config-linux.md,
/// "Cgroups path"), and an absent one names the container's own cgroup beside the runtime's.
/// </summary>
internal sealed class CgroupsPath
{
    private CgroupsPath(bool isAbsolute, string[] components)
    {
        IsAbsolute = isAbsolute;
        Components = components;
    }

    public bool IsAbsolute { get; }

    /// <summary>The cleaned path components: no empty, <c>.</c> or <c>..</c> ones.</summary>
    public IReadOnlyList<string> Components { get; }

    /// <summary>The cleaned path, <c>/a/b</c> or <c>a/b</c>.</summary>
    public override string ToString() => (IsAbsolute ? "/" : "") + string.Join('/', Components);

    public static CgroupsPath Parse(string? cgroupsPath, string containerId)
    {
        if (string.IsNullOrEmpty(containerId) || containerId is "." or ".." || containerId.Contains('/') || containerId.Contains('\0'))
            throw new ArgumentException($"container id \"{containerId}\" cannot name a cgroup", nameof(containerId));

        // runc 1.1 (libcontainer/specconv CreateCgroupConfig): without a cgroupsPath the cgroupfs driver sets
        // only Name = <container id>, which fs/paths.go innerPath() turns into the *relative* path "<id>", so
        // the container lands in <runtime's own cgroup>/<id> in every hierarchy (not /<id>).
        if (string.IsNullOrEmpty(cgroupsPath))
            return new CgroupsPath(isAbsolute: false, [containerId]);

        if (cgroupsPath.Contains('\0'))
            throw CgroupException.InvalidCgroupsPath(cgroupsPath.Replace("\0", "\\0"), "contains a NUL byte");

        var isAbsolute = cgroupsPath[0] == '/';

        // runc --systemd-cgroup takes "slice:prefix:name" (system.slice:docker:1234); the cgroupfs driver
        // would make a directory literally named so, which is never what the caller meant.
        if (!isAbsolute && cgroupsPath.Split(':').Length == 3)
        {
            throw CgroupException.InvalidCgroupsPath(
                cgroupsPath, "\"slice:prefix:name\" is a systemd cgroup path: the systemd cgroup driver is not supported");
        }

        // runc's CleanPath silently clamps ".." at the top; refuse it instead, so a hostile config cannot
        // move a container (or make delete remove cgroups) outside the tree it names.
        var components = new List<string>();
        foreach (var component in cgroupsPath.Split('/'))
        {
            if (component is "" or ".")
                continue;
            if (component == "..")
            {
                if (components.Count == 0)
                {
                    throw CgroupException.InvalidCgroupsPath(
                        cgroupsPath,
                        isAbsolute ? "\"..\" climbs above the cgroup hierarchy root" : "\"..\" climbs above the runtime's own cgroup");
                }

                components.RemoveAt(components.Count - 1);
                continue;
            }

            components.Add(component);
        }

        // An empty result would make the container's cgroup the hierarchy root (or the runtime's own
        // cgroup), and destroying it would then remove every other cgroup beneath.
        if (components.Count == 0)
        {
            throw CgroupException.InvalidCgroupsPath(
                cgroupsPath,
                isAbsolute ? "names the cgroup hierarchy root, not a cgroup of the container's own" : "names the runtime's own cgroup, not a cgroup of the container's own");
        }

        return new CgroupsPath(isAbsolute, [.. components]);
    }
}
