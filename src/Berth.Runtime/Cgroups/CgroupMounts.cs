using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Berth.Runtime.Cgroups;

/// <summary>
/// The cgroup hierarchies of the host, read from mountinfo (proc(5), /proc/[pid]/mountinfo): which
/// <see cref="CgroupMode"/> it runs, where each v1 controller is mounted, and the cgroup2 tree.
/// </summary>
public sealed class CgroupMounts
{
    public const string DefaultMountInfoPath = "/proc/self/mountinfo";

    /// <summary>Where systemd (and runc's unified-mode check) expects the cgroup2 tree of a v2 host.</summary>
    public const string UnifiedMountPoint = "/sys/fs/cgroup";

    /// <summary>Where systemd mounts the controller-less cgroup2 tree of a hybrid host.</summary>
    public const string HybridMountPoint = "/sys/fs/cgroup/unified";

    /// <summary>
    /// Superblock options of a v1 hierarchy that are not controllers: the generic rw/ro and the ones
    /// cgroup1_show_options() prints (kernel/cgroup/cgroup-v1.c); release_agent= is filtered as an option
    /// with a value. <c>none</c> and <c>all</c> are mount-time only but harmless to list.
    /// </summary>
    private static readonly HashSet<string> NonControllerOptions = new(StringComparer.Ordinal)
    {
        "rw", "ro", "none", "all", "noprefix", "xattr", "clone_children", "cpuset_v2_mode",
        "favordynmods", "nofavordynmods",
    };

    private readonly Dictionary<string, CgroupMount> _v1Controllers;

    private CgroupMounts(CgroupMode mode, List<CgroupMount> v1Hierarchies, CgroupMount? unified)
    {
        Mode = mode;
        V1Hierarchies = v1Hierarchies;
        Unified = unified;
        _v1Controllers = new Dictionary<string, CgroupMount>(StringComparer.Ordinal);
        foreach (var hierarchy in v1Hierarchies)
        {
            foreach (var controller in hierarchy.Controllers)
                _v1Controllers.TryAdd(controller, hierarchy);
        }
    }

    public CgroupMode Mode { get; }

    /// <summary>Each mounted v1 hierarchy once (the first mount of it in mountinfo order), named ones included.</summary>
    public IReadOnlyList<CgroupMount> V1Hierarchies { get; }

    /// <summary>Controller (or <c>name=…</c>) → the v1 hierarchy it is mounted in; comounted controllers share one.</summary>
    public IReadOnlyDictionary<string, CgroupMount> V1Controllers => _v1Controllers;

    /// <summary>The cgroup2 tree: the whole hierarchy on <see cref="CgroupMode.Unified"/>, the controller-less one on <see cref="CgroupMode.Hybrid"/>, null on <see cref="CgroupMode.Legacy"/>.</summary>
    public CgroupMount? Unified { get; }

    public bool TryGetV1Controller(string controller, [NotNullWhen(true)] out CgroupMount? mount) =>
        _v1Controllers.TryGetValue(controller, out mount);

    /// <summary>Reads and parses a mountinfo file (by default this process's).</summary>
    public static CgroupMounts Load(string mountInfoPath = DefaultMountInfoPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(mountInfoPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException("read", mountInfoPath, CgroupErrno.FromException(e), e);
        }

        return Parse(text);
    }

    /// <summary>Parses the text of a mountinfo file; only the cgroup and cgroup2 lines matter.</summary>
    public static CgroupMounts Parse(string mountInfoText)
    {
        var v1 = new List<CgroupMount>();
        var cgroup2 = new List<CgroupMount>();
        var seenHierarchies = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in mountInfoText.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
                continue;

            // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
            // (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
            var fields = line.Split(' ');
            var separator = fields.Length > 6 ? Array.IndexOf(fields, "-", 6) : -1;
            if (separator < 0 || fields.Length <= separator + 3)
                throw CgroupException.Custom("parse", "mountinfo", $"cgroup: parse mountinfo: line {lineNumber}: malformed: \"{line}\"");

            var fsType = fields[separator + 1];
            if (fsType is not ("cgroup" or "cgroup2"))
                continue;

            // A hierarchy mounted (or bind-mounted) more than once shows the same device; like runc,
            // use the first mount of each.
            if (!seenHierarchies.Add(fields[2]))
                continue;

            var root = Unescape(fields[3]);
            var mountPoint = Unescape(fields[4]);
            if (fsType == "cgroup2")
            {
                cgroup2.Add(new CgroupMount(mountPoint, root, isCgroup2: true, []));
                continue;
            }

            var controllers = fields[separator + 3]
                .Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Where(IsController)
                .ToList();
            if (controllers.Count > 0)
                v1.Add(new CgroupMount(mountPoint, root, isCgroup2: false, controllers));
        }

        // runc tells the modes apart by statfs(2) of /sys/fs/cgroup (cgroup2 there: unified) and of
        // /sys/fs/cgroup/unified (cgroup2 there: hybrid); mountinfo gives the same answer without the
        // fixed paths, so a cgroup2 mount elsewhere (a container's own /sys/fs/cgroup layout) still counts.
        var unifiedAtDefault = cgroup2.FirstOrDefault(m => m.MountPoint == UnifiedMountPoint);
        if (unifiedAtDefault is not null)
            return new CgroupMounts(CgroupMode.Unified, v1, unifiedAtDefault);

        var unified = cgroup2.FirstOrDefault(m => m.MountPoint == HybridMountPoint) ?? cgroup2.FirstOrDefault();
        if (v1.Count > 0)
            return new CgroupMounts(unified is null ? CgroupMode.Legacy : CgroupMode.Hybrid, v1, unified);
        if (unified is not null)
            return new CgroupMounts(CgroupMode.Unified, v1, unified);

        throw CgroupException.Custom("parse", "mountinfo", "cgroup: parse mountinfo: no cgroup or cgroup2 mount found");
    }

    private static bool IsController(string option) =>
        !NonControllerOptions.Contains(option) &&
        (!option.Contains('=') || option.StartsWith("name=", StringComparison.Ordinal));

    /// <summary>mountinfo escapes space, tab, newline and backslash in paths as \ooo octal (fs/proc_namespace.c).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;

        var result = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                result.Append((char)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                result.Append(field[i]);
            }
        }

        return result.ToString();
    }

    private static bool IsOctal(string s, int start) =>
        start + 2 < s.Length && s[start] is >= '0' and <= '7' && s[start + 1] is >= '0' and <= '7' && s[start + 2] is >= '0' and <= '7';
}
