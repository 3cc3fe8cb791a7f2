namespace Berth.Images.Formats;

/// <summary>
/// Entry names and the paths that manifest.json gives, cleaned to a relative form
/// (<c>./blobs//sha256/x</c> is <c>blobs/sha256/x</c>). A path that is absolute or climbs out with
/// <c>..</c> is refused rather than clamped (IMG-P2, the strict policy): a well-formed archive never
/// needs either, and the importers never resolve these paths on the host anyway.
/// </summary>
internal static class ArchivePath
{
    public static bool TryClean(string path, out string cleaned)
    {
        cleaned = "";
        if (path.Length == 0 || path[0] == '/' || path.Contains('\0'))
            return false;
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
                return false;
            parts.Add(part);
        }
        cleaned = string.Join('/', parts);
        return true;
    }

    /// <summary>The target of a symlink entry, relative to the archive root, or false when it leaves the archive.</summary>
    public static bool TryResolveLink(string entry, string target, out string resolved)
    {
        resolved = "";
        if (target.Length == 0 || target[0] == '/')
            return false;
        var parts = entry.Split('/').ToList();
        parts.RemoveAt(parts.Count - 1);
        foreach (var part in target.Split('/'))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                if (parts.Count == 0)
                    return false;
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        resolved = string.Join('/', parts);
        return resolved.Length > 0;
    }
}
