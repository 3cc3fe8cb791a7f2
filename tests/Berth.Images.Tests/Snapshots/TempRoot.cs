using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Snapshots;

/// <summary>
/// A temporary root directory for one test. Dispose unmounts whatever is still mounted under it
/// (deepest first) and removes it, whether the test passed or not.
/// </summary>
public sealed class TempRoot : IDisposable
{
    public TempRoot()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "berth-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            foreach (var mountPoint in MountsUnder(Path).OrderByDescending(m => m.Length))
            {
                try
                {
                    Sys.Umount(mountPoint, MountFlags.MNT_DETACH);
                }
                catch (LinuxException)
                {
                    // Already gone with its parent; the directory removal below is what matters.
                }
            }
        }
        finally
        {
            if (Directory.Exists(Path))
                Directory.Delete(Path, recursive: true);
        }
    }

    /// <summary>Mount points at or under <paramref name="dir"/>, from /proc/self/mountinfo.</summary>
    public static IReadOnlyList<string> MountsUnder(string dir)
    {
        var prefix = dir.TrimEnd('/') + "/";
        var mounts = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var mountPoint = Unescape(line.Split(' ')[4]);
            if (mountPoint == dir || mountPoint.StartsWith(prefix, StringComparison.Ordinal))
                mounts.Add(mountPoint);
        }
        return mounts;
    }

    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
