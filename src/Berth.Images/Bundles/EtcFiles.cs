using System.Globalization;
using System.Text;

namespace Berth.Images.Bundles;

/// <summary>One line of /etc/passwd: name:password:uid:gid:gecos:home:shell.</summary>
internal sealed record PasswdEntry(string Name, uint Uid, uint Gid, string Home);

/// <summary>One line of /etc/group: name:password:gid:member,member….</summary>
internal sealed record GroupEntry(string Name, uint Gid, IReadOnlyList<string> Members);

/// <summary>
/// Tolerant parsers for an image's /etc/passwd and /etc/group, after runc's libcontainer/user:
/// blank and comment lines skipped, missing trailing fields empty. A line whose uid or gid does
/// not parse is skipped rather than read as 0 (runc's Atoi fallback), so a mangled line can never
/// turn a named user into root.
/// </summary>
internal static class EtcFiles
{
    public static List<PasswdEntry> ParsePasswd(byte[] content)
    {
        var entries = new List<PasswdEntry>();
        foreach (var fields in Lines(content))
        {
            if (fields.Length < 4 || fields[0].Length == 0 || !TryId(fields[2], out var uid) || !TryId(fields[3], out var gid))
                continue;
            entries.Add(new PasswdEntry(fields[0], uid, gid, fields.Length > 5 ? fields[5] : ""));
        }
        return entries;
    }

    public static List<GroupEntry> ParseGroup(byte[] content)
    {
        var entries = new List<GroupEntry>();
        foreach (var fields in Lines(content))
        {
            if (fields.Length < 3 || fields[0].Length == 0 || !TryId(fields[2], out var gid))
                continue;
            var members = fields.Length > 3
                ? fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [];
            entries.Add(new GroupEntry(fields[0], gid, members));
        }
        return entries;
    }

    private static IEnumerable<string[]> Lines(byte[] content)
    {
        foreach (var raw in Encoding.UTF8.GetString(content).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            yield return line.Split(':');
        }
    }

    private static bool TryId(string s, out uint id) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id <= int.MaxValue;
}
