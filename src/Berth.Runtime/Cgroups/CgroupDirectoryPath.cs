namespace Berth.Runtime.Cgroups;

/// <summary>String helpers for the absolute paths of cgroup directories.</summary>
internal static class CgroupDirectoryPath
{
    public static string Join(string directory, string name) =>
        directory.EndsWith('/') ? directory + name : directory + "/" + name;

    public static string Join(string directory, IEnumerable<string> components) =>
        components.Aggregate(directory, Join);

    /// <summary>The parent directory, or null for <c>/</c>.</summary>
    public static string? Parent(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash switch
        {
            < 0 => null,
            0 => trimmed.Length > 1 ? "/" : null,
            _ => trimmed[..slash],
        };
    }

    /// <summary>The components of a cgroup path as the kernel prints it (<c>/a/b</c>).</summary>
    public static List<string> Split(string cgroup) =>
        [.. cgroup.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".")];
}
