using System.Globalization;
using static Berth.Images.Bundles.Quoting;

namespace Berth.Images.Bundles;

/// <summary>
/// Turns a Docker <c>User</c> value (uid, uid:gid, name, name:group, uid:group, name:gid, or empty
/// for root) into ids, reading the image's own /etc/passwd and /etc/group as runc's
/// libcontainer/user GetExecUser does, but through <see cref="RootfsFiles"/> so the files are
/// resolved inside the rootfs.
/// </summary>
public static class UserResolver
{
    private const string PasswdPath = "/etc/passwd";
    private const string GroupPath = "/etc/group";

    /// <param name="user">The User value; null or empty means root.</param>
    /// <param name="rootfsPath">The unpacked rootfs on the host.</param>
    /// <param name="source">"image config" or "options", for messages.</param>
    /// <exception cref="BundleException">An id out of range, a name the image does not have, or an unreadable file.</exception>
    public static ResolvedUser Resolve(string? user, string rootfsPath, string source)
    {
        user ??= "";
        var colon = user.IndexOf(':', StringComparison.Ordinal);
        var userArg = colon < 0 ? user : user[..colon];
        var groupArg = colon < 0 ? "" : user[(colon + 1)..];
        var uidArg = ParseId(userArg, user, source);
        var gidArg = ParseId(groupArg, user, source);

        var passwd = Read(rootfsPath, PasswdPath, EtcFiles.ParsePasswd);
        // An empty user is root, and like runc we still look root up, for its home and its groups.
        var entry = userArg.Length == 0
            ? passwd.FirstOrDefault(p => p.Uid == 0)
            : uidArg is { } id ? passwd.FirstOrDefault(p => p.Uid == id) : passwd.FirstOrDefault(p => p.Name == userArg);
        if (entry is null && userArg.Length > 0 && uidArg is null)
            throw new BundleException($"{source}: User: unable to find user {Quote(userArg)}: no matching entries in {PasswdPath}");

        var uid = entry?.Uid ?? uidArg ?? 0;
        // A uid the image's passwd does not list gets gid 0, as in runc and docker.
        var gid = entry?.Gid ?? 0;
        var additional = new List<uint>();

        if (groupArg.Length > 0)
        {
            if (gidArg is { } g)
            {
                gid = g;
            }
            else
            {
                var group = Read(rootfsPath, GroupPath, EtcFiles.ParseGroup).FirstOrDefault(e => e.Name == groupArg)
                    ?? throw new BundleException($"{source}: User: unable to find group {Quote(groupArg)}: no matching entries in {GroupPath}");
                gid = group.Gid;
            }
        }
        else if (entry is not null)
        {
            // Supplementary groups only in the implicit form: an explicit group means exactly
            // that group (runc; docker shows "Groups: 1000" for --user 1000:1000).
            additional.AddRange(Read(rootfsPath, GroupPath, EtcFiles.ParseGroup)
                .Where(e => e.Members.Contains(entry.Name, StringComparer.Ordinal))
                .Select(e => e.Gid));
        }

        // CVE-2022-36109, CVE-2023-25173: without its primary gid in the list, setgroups() would
        // drop a group the image meant as a restriction (e.g. a negative ACL entry).
        additional.Insert(0, gid);
        return new ResolvedUser(uid, gid, [.. additional.Distinct()], string.IsNullOrEmpty(entry?.Home) ? "/" : entry.Home);
    }

    private static List<T> Read<T>(string rootfsPath, string path, Func<byte[], List<T>> parse) =>
        RootfsFiles.ReadSmallFile(rootfsPath, path) is { } bytes ? parse(bytes) : [];

    /// <summary>The id when <paramref name="arg"/> is numeric (Go's Atoi: optional sign, digits), null for a name.</summary>
    private static uint? ParseId(string arg, string user, string source)
    {
        var digits = arg.Length > 0 && arg[0] is '+' or '-' ? arg[1..] : arg;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
            return null;
        // SEC-USER-1; containerd CVE-2024-40635: a uid above int32 wrapped to 0, i.e. root.
        if ((arg[0] == '-' && digits.Any(c => c != '0'))
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value > int.MaxValue)
        {
            throw new BundleException($"{source}: User: {Quote(user)}: uids and gids must be in range 0-{int.MaxValue}");
        }
        return (uint)value;
    }
}
