using System.Text;

namespace Berth.Images.Layers;

/// <summary>
/// Turns a tar entry name or hardlink target into a path relative to the layer root, with the strict
/// policy of IMG-P2 (moby go-archive): a leading <c>/</c> is dropped (L2), <c>.</c> and empty components
/// go, <c>..</c> is resolved lexically, and a name that climbs above the root is refused (L1,
/// CVE-2018-15664 class). Symlinks are not looked at here; the kernel confines them (IMG-P1).
/// </summary>
internal static class EntryPath
{
    /// <summary>NAME_MAX and PATH_MAX of Linux, checked up front so the error names the entry (L19).</summary>
    public const int NameMax = 255;
    public const int PathMax = 4096;

    /// <summary>The cleaned relative path ("" for the root itself), or null with the reason.</summary>
    public static string? Clean(string name, out string reason)
    {
        reason = "";
        if (name.Contains('\0'))
        {
            reason = "contains a NUL byte";
            return null;
        }
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    reason = "climbs out of the root";
                    return null;
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            if (Encoding.UTF8.GetByteCount(part) > NameMax)
            {
                reason = "file name too long";
                return null;
            }
            parts.Add(part);
        }
        var cleaned = string.Join('/', parts);
        if (Encoding.UTF8.GetByteCount(cleaned) >= PathMax)
        {
            reason = "file name too long";
            return null;
        }
        return cleaned;
    }

    public static (string Parent, string Name) Split(string cleaned)
    {
        var slash = cleaned.LastIndexOf('/');
        return slash < 0 ? ("", cleaned) : (cleaned[..slash], cleaned[(slash + 1)..]);
    }

    public static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}/{name}";
}
