using Berth.Images.Layers;
using Berth.Images.Oci;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

/// <summary>
/// A temp directory holding a target root and a victim directory outside it with a sentinel file;
/// removed whatever the test did. The victim's listing and the sentinel's content, mode and link
/// count are recorded so each hostile test can assert they did not change.
/// </summary>
internal sealed class LayerWorkspace : IDisposable
{
    public const string SentinelContent = "sentinel";

    private readonly List<string> _mounts = [];

    public LayerWorkspace()
    {
        Base = Directory.CreateTempSubdirectory("berth-layers-").FullName;
        Root = Path.Combine(Base, "root");
        Victim = Path.Combine(Base, "victim");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Victim);
        File.WriteAllText(Sentinel, SentinelContent);
        File.SetUnixFileMode(Sentinel, (UnixFileMode)0x100);
    }

    public string Base { get; }
    public string Root { get; }
    public string Victim { get; }
    public string Sentinel => Path.Combine(Victim, "sentinel");

    /// <summary>The victim's path as a crafted tar spells it: absolute, without the leading slash.</summary>
    public string VictimInTar => Victim.TrimStart('/');

    public string In(string relative) => Path.Combine(Root, relative);

    public LayerApplyResult Apply(byte[] tar, LayerApplyMode mode = LayerApplyMode.Native, string? root = null) =>
        LayerApplier.Apply(new MemoryStream(tar), LayerCompression.None, root ?? Root, new LayerApplyOptions { Mode = mode });

    public LayerException Refused(byte[] tar, LayerApplyMode mode = LayerApplyMode.Native) =>
        Assert.Throws<LayerException>(() => Apply(tar, mode));

    public void AssertVictimUntouched()
    {
        Assert.Equal(new[] { "sentinel" }, Directory.GetFileSystemEntries(Victim).Select(p => Path.GetFileName(p)!).ToArray());
        Assert.Equal(SentinelContent, File.ReadAllText(Sentinel));
        Assert.Equal((UnixFileMode)0x100, File.GetUnixFileMode(Sentinel));
        Assert.True(Sys.TryLstat(Sentinel, out _));
        Assert.Equal(1u, Sys.StatAt(Linux.Interop.AtFlags.AT_FDCWD, Sentinel, Sentinel).Nlink);
    }

    public string NewDir(string name)
    {
        var dir = Path.Combine(Base, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Mounted(string target) => _mounts.Add(target);

    public void Dispose()
    {
        for (var i = _mounts.Count - 1; i >= 0; i--)
        {
            try
            {
                Sys.Umount(_mounts[i], Linux.Interop.MountFlags.MNT_DETACH);
            }
            catch (LinuxException)
            {
            }
        }
        Directory.Delete(Base, recursive: true);
    }
}
