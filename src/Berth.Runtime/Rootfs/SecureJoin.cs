namespace Berth.Runtime.Rootfs;

/// <summary>
/// Resolves a path inside a root with chroot semantics: symlinks are followed as if the root were
/// "/", and ".." never climbs above it (CVE-2021-30465, static form). The result contains no
/// symlinks at the time of the call; callers still open it beneath the root with the kernel's
/// help, so a later swap cannot redirect them.
/// </summary>
public static class SecureJoin
{
    private const int MaxSymlinks = 255;

    /// <summary>Returns the resolved path relative to <paramref name="root"/> ("" for the root itself).</summary>
    public static string Resolve(string root, string unsafePath)
    {
        // No path the kernel accepts holds a NUL; .NET would throw an ArgumentException naming nothing.
        if (unsafePath.Contains('\0'))
            throw new RuntimeException($"{unsafePath.Replace("\0", "\\0", StringComparison.Ordinal)}: path contains a NUL byte");
        var resolved = new List<string>();
        var pending = new Stack<string>(Split(unsafePath).Reverse());
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (resolved.Count > 0)
                    resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            var candidate = Path.Combine(root, string.Join('/', resolved), part);
            var target = new FileInfo(candidate).LinkTarget;
            if (target is not null)
            {
                if (++links > MaxSymlinks)
                    throw new RuntimeException($"{unsafePath}: too many levels of symbolic links");
                if (target.StartsWith('/'))
                    resolved.Clear();
                foreach (var t in Split(target).Reverse())
                    pending.Push(t);
                continue;
            }
            resolved.Add(part);
        }
        return string.Join('/', resolved);
    }

    private static IEnumerable<string> Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
