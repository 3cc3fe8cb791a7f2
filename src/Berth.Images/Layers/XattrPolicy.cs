using System.Text;

namespace Berth.Images.Layers;

/// <summary>
/// Which extended attributes a layer may carry (baseline L15, L16). <c>user.*</c> is data and
/// <c>security.capability</c> holds legitimate file capabilities. <c>trusted.*</c> is never applied:
/// dockerd 20.10 applied <c>trusted.overlay.opaque</c> from a tar and let a layer hide lower files.
/// <c>security.selinux</c> and other <c>security.*</c> are dropped while Berth has no label handling.
/// </summary>
internal static class XattrPolicy
{
    public const string Capability = "security.capability";

    /// <summary>GNU tar and Go's archive/tar: the value is the raw bytes.</summary>
    public const string SchilyPrefix = "SCHILY.xattr.";

    /// <summary>libarchive: the name is URL-encoded and the value base64, so binary values survive.</summary>
    public const string LibarchivePrefix = "LIBARCHIVE.xattr.";

    public static bool IsAllowed(string name) =>
        name == Capability || (name.StartsWith("user.", StringComparison.Ordinal) && name.Length > 5);

    /// <summary>The xattrs a PAX header carries, in a stable order; values that cannot be recovered are reported as warnings.</summary>
    /// <param name="raw">The same records' values as bytes, from <see cref="PaxRecordTap"/>.</param>
    public static List<(string Name, byte[] Value)> FromPax(IReadOnlyDictionary<string, string> records,
        IReadOnlyDictionary<string, byte[]> raw, Action<string> warn)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in records)
        {
            if (key.StartsWith(SchilyPrefix, StringComparison.Ordinal))
            {
                var name = key[SchilyPrefix.Length..];
                if (raw.TryGetValue(name, out var bytes))
                {
                    result[name] = bytes;
                    continue;
                }
                // System.Formats.Tar decodes PAX values as UTF-8, so a binary value arrives with
                // U+FFFD in place of its invalid bytes; applying it would write a corrupted value.
                if (value.Contains('\uFFFD'))
                {
                    warn($"xattr {name}: binary value not representable, dropped");
                    continue;
                }
                result[name] = Encoding.UTF8.GetBytes(value);
            }
            else if (key.StartsWith(LibarchivePrefix, StringComparison.Ordinal))
            {
                var name = Uri.UnescapeDataString(key[LibarchivePrefix.Length..]);
                try
                {
                    result[name] = Convert.FromBase64String(value);
                }
                catch (FormatException)
                {
                    warn($"xattr {name}: invalid base64 value, dropped");
                }
            }
        }
        var allowed = new List<(string, byte[])>();
        foreach (var (name, value) in result)
        {
            if (IsAllowed(name))
                allowed.Add((name, value));
            else
                warn($"xattr {name}: not allowed in a layer, dropped");
        }
        return allowed;
    }
}
