namespace Berth.Images.Tests.Bundles;

/// <summary>A temp directory standing in for an unpacked image: &lt;dir&gt;/rootfs with etc/passwd and etc/group.</summary>
public sealed class FakeRootfs : IDisposable
{
    public const string Passwd = """
        root:x:0:0:root:/root:/bin/sh
        # a comment line
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        alice:x:1000:1000:Alice:/home/alice:/bin/sh
        broken:x:notanumber:1000::/home/broken:/bin/sh
        nohome:x:1001:1001
        """;

    public const string Group = """
        root:x:0:root
        wheel:x:10:root,alice
        alice:x:1000:
        staff:x:50:bob
        audio:x:4242:alice
        """;

    public FakeRootfs(bool withEtc = true)
    {
        Dir = Directory.CreateTempSubdirectory("berth-bundle-test-").FullName;
        Rootfs = Path.Combine(Dir, "rootfs");
        Directory.CreateDirectory(Path.Combine(Rootfs, "etc"));
        if (withEtc)
        {
            File.WriteAllText(Path.Combine(Rootfs, "etc", "passwd"), Passwd);
            File.WriteAllText(Path.Combine(Rootfs, "etc", "group"), Group);
        }
    }

    /// <summary>The temp directory; also holds files "outside" the rootfs, as the host would.</summary>
    public string Dir { get; }

    public string Rootfs { get; }

    public string Bundle => Path.Combine(Dir, "bundle");

    /// <summary>Path of <paramref name="relative"/> inside the rootfs, parents created.</summary>
    public string InRootfs(string relative)
    {
        var path = Path.Combine(Rootfs, relative.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
