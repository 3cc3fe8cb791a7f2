namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>One line of /proc/PID/mountinfo (proc(5)), as printed inside a container and read here.</summary>
public sealed record MountInfo(
    string Root,
    string MountPoint,
    IReadOnlyList<string> MountOptions,
    IReadOnlyList<string> OptionalFields,
    string FsType,
    string Source,
    IReadOnlyList<string> SuperOptions)
{
    public bool Has(string option) => MountOptions.Contains(option) || SuperOptions.Contains(option);

    public static IReadOnlyList<MountInfo> Parse(string text)
    {
        var list = new List<MountInfo>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            var dash = Array.IndexOf(f, "-");
            if (f.Length < 10 || dash < 6)
            {
                continue;
            }

            list.Add(new MountInfo(
                Cleanup.Unescape(f[3]),
                Cleanup.Unescape(f[4]),
                f[5].Split(','),
                f[6..dash],
                f[dash + 1],
                Cleanup.Unescape(f[dash + 2]),
                f.Length > dash + 3 ? f[dash + 3].Split(',') : []));
        }

        return list;
    }

    /// <summary>The topmost mount at <paramref name="mountPoint"/> (the last line that names it).</summary>
    public static MountInfo? At(IReadOnlyList<MountInfo> mounts, string mountPoint) => mounts.LastOrDefault(m => m.MountPoint == mountPoint);

    public override string ToString() =>
        $"{Root} {MountPoint} {string.Join(',', MountOptions)} {string.Join(' ', OptionalFields)} - {FsType} {Source} {string.Join(',', SuperOptions)}";
}
