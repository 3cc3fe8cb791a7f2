namespace Berth.Runtime.Cgroups;

/// <summary>
/// The cgroups a process belongs to, from /proc/[pid]/cgroup (cgroups(7)): one
/// <c>hierarchy-ID:controller-list:cgroup-path</c> line per v1 hierarchy and <c>0::path</c> for cgroup2.
/// </summary>
internal sealed class OwnCgroups
{
    /// <summary>The key of the cgroup2 line, as in the managers' Paths.</summary>
    public const string Unified = "";

    private readonly Dictionary<string, string> _byController;

    private OwnCgroups(Dictionary<string, string> byController) => _byController = byController;

    public static OwnCgroups Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException("read", path, CgroupErrno.FromException(e), e);
        }

        return Parse(text, path);
    }

    public static OwnCgroups Parse(string text, string source)
    {
        var byController = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // The path is the rest of the line: it may itself contain ':'.
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
                throw CgroupException.Custom("parse", source, $"cgroup: parse {source}: malformed line \"{line}\"");

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                byController.TryAdd(Unified, parts[2]);
                continue;
            }

            foreach (var controller in parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
                byController.TryAdd(controller, parts[2]);
        }

        return new OwnCgroups(byController);
    }

    /// <summary>The cgroup of the hierarchy holding <paramref name="controller"/> (or <see cref="Unified"/>).</summary>
    public bool TryGet(string controller, out string cgroup) =>
        _byController.TryGetValue(controller, out cgroup!);
}
