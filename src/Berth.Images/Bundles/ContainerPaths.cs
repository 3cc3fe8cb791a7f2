using static Berth.Images.Bundles.Quoting;

namespace Berth.Images.Bundles;

/// <summary>
/// Lexical checks on paths an image names inside its container (WorkingDir, Volumes). Nothing
/// here touches a filesystem: these paths are resolved later, inside the rootfs, by the runtime.
/// </summary>
public static class ContainerPaths
{
    /// <summary>
    /// Cleans <paramref name="path"/> as a path rooted at the container's "/": "." and empty
    /// parts dropped, ".." clamped at the root (Go's path.Clean on "/" + path), so
    /// <c>/../../x</c> is <c>/x</c>.
    /// </summary>
    public static string CleanAbsolute(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>
    /// The process cwd for a WorkingDir: "/" when empty, else the cleaned absolute path.
    /// </summary>
    /// <param name="workingDir">The image's or the user's WorkingDir.</param>
    /// <param name="source">"image config" or "options", for the message.</param>
    public static string Cwd(string? workingDir, string source)
    {
        if (string.IsNullOrEmpty(workingDir))
            return "/";
        if (workingDir[0] != '/')
            throw new BundleException($"{source}: WorkingDir: {Quote(workingDir)} must be an absolute path");
        var cwd = CleanAbsolute(workingDir);
        // CVE-2024-21626: a cwd of /proc/self/fd/N is a magic link to whatever fd N the runtime
        // leaked into init, such as the host's /sys/fs/cgroup; "../../.." from there is the host's
        // root. /proc/<pid> and /proc/thread-self hold the same links for other processes and
        // threads, so the whole of each is refused, not only fd/. The raw path is checked as
        // well as the cleaned one: the kernel follows /proc/self/fd/7 before it sees a "..".
        if (IsProcessProcDir(cwd) || IsProcessProcDir(string.Join('/', workingDir.Split('/').Where(p => p is not ("" or ".")).Prepend(""))))
            throw new BundleException($"{source}: WorkingDir: {Quote(workingDir)} is not allowed (CVE-2024-21626)");
        return cwd;
    }

    /// <summary>
    /// The container path of an image volume (IMG-CFG-1): cleaned, never "/", never in /proc.
    /// </summary>
    public static string Volume(string volume)
    {
        // CVE-2022-23648: containerd joined volume paths to the rootfs as strings and copied from
        // /../../x on the host. Cleaned as a rooted path, no volume can name anything outside.
        var path = CleanAbsolute(volume);
        if (path == "/")
            throw new BundleException($"image config: Volumes: {Quote(volume)}: a volume at / is not allowed");
        // CVE-2019-16884: a volume over /proc hides the real procfs from the runtime's label writes.
        if (path == "/proc" || path.StartsWith("/proc/", StringComparison.Ordinal))
            throw new BundleException($"image config: Volumes: {Quote(volume)}: a volume on /proc is not allowed (CVE-2019-16884)");
        return path;
    }

    private static bool IsProcessProcDir(string cwd)
    {
        if (!cwd.StartsWith("/proc/", StringComparison.Ordinal))
            return false;
        var rest = cwd["/proc/".Length..];
        var first = rest.Split('/')[0];
        return first is "self" or "thread-self" || (first.Length > 0 && first.All(char.IsAsciiDigit));
    }
}
