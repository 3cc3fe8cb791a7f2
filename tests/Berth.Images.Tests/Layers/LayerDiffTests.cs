using System.Formats.Tar;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Layers;

public class LayerDiffTests
{
    private static readonly DateTimeOffset Old = new(2003, 4, 5, 6, 7, 8, TimeSpan.Zero);

    /// <summary>A layer with every kind of entry, a whiteout and an opaque directory.</summary>
    private static byte[] RichLayer() => new LayerTar()
        .Dir("bin", (UnixFileMode)0x1ED, mtime: Old)
        .File("bin/tool", "#!/bin/sh\n", (UnixFileMode)0x9ED, uid: 0, gid: 50, pax: new Dictionary<string, string> { ["SCHILY.xattr.user.origin"] = "test" })
        .Hardlink("bin/tool-alias", "bin/tool")
        .Symlink("bin/sh", "/bin/busybox")
        .Dir("home/u", (UnixFileMode)0x1C0, uid: 1000, gid: 1000)
        .File("home/u/.profile", "export A=1\n", uid: 1000, gid: 1000)
        .Device("dev/null", TarEntryType.CharacterDevice, 1, 3)
        .Fifo("run/fifo")
        .Dir("var/cache", mtime: Old)
        .File("var/cache/.wh..wh..opq")
        .File("var/cache/new", "fresh")
        .File("etc/.wh.removed")
        .ToTar();

    [Fact]
    public void Applying_a_diff_of_an_upper_dir_reproduces_the_same_tree()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(RichLayer(), LayerApplyMode.Overlay);
        var tar = new MemoryStream();
        LayerDiff.Write(ws.Root, null, tar);

        var copy = ws.NewDir("copy");
        ws.Apply(tar.ToArray(), LayerApplyMode.Overlay, copy);

        var expected = TreeSnapshot.Take(ws.Root);
        var actual = TreeSnapshot.Take(copy);
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.All(expected, kv => Assert.Equal(kv.Key + " " + kv.Value, kv.Key + " " + actual[kv.Key]));
    }

    [Fact]
    public void Diff_of_the_same_tree_is_byte_identical_and_reports_its_digest()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(RichLayer(), LayerApplyMode.Overlay);
        var first = new MemoryStream();
        var second = new MemoryStream();

        var r1 = LayerDiff.Write(ws.Root, null, first);
        Thread.Sleep(20);
        var r2 = LayerDiff.Write(ws.Root, null, second);

        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal(Digest.Compute(first.ToArray()), r1.DiffId);
        Assert.Equal(first.Length, r1.Size);
        Assert.Equal(r1, r2);
    }

    [Fact]
    public void Whiteout_device_and_opaque_xattr_become_aufs_entries()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(RichLayer(), LayerApplyMode.Overlay);
        var tar = new MemoryStream();
        LayerDiff.Write(ws.Root, null, tar);

        var names = Names(tar.ToArray());

        Assert.Contains("etc/.wh.removed", names);
        Assert.DoesNotContain("etc/removed", names);
        Assert.True(names.IndexOf("var/cache/") < names.IndexOf("var/cache/.wh..wh..opq"));
        Assert.True(names.IndexOf("var/cache/.wh..wh..opq") < names.IndexOf("var/cache/new"));
    }

    [Fact]
    public void Second_name_of_an_inode_is_written_as_a_hardlink_entry()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(RichLayer(), LayerApplyMode.Overlay);
        var tar = new MemoryStream();
        LayerDiff.Write(ws.Root, null, tar);

        tar.Position = 0;
        using var reader = new TarReader(tar);
        TarEntry? e;
        while ((e = reader.GetNextEntry()) is not null && e.Name != "bin/tool-alias")
        {
        }
        Assert.Equal((TarEntryType.HardLink, "bin/tool"), (e!.EntryType, e.LinkName));
    }

    [Fact]
    public void Entries_are_sorted_with_parents_first()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(RichLayer(), LayerApplyMode.Overlay);
        var tar = new MemoryStream();
        LayerDiff.Write(ws.Root, null, tar);

        var names = Names(tar.ToArray());

        Assert.Equal(["bin/", "bin/sh", "bin/tool", "bin/tool-alias", "dev/", "dev/null"], names.Take(6));
    }

    [Fact]
    public void Whiteout_hiding_nothing_in_the_lowers_is_left_out()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().File(".wh.ghost").File(".wh.real").ToTar(), LayerApplyMode.Overlay);
        var lower = ws.NewDir("lower");
        File.WriteAllText(Path.Combine(lower, "real"), "x");
        var tar = new MemoryStream();

        LayerDiff.Write(ws.Root, [lower], tar);

        Assert.Equal([".wh.real"], Names(tar.ToArray()));
    }

    [Fact]
    public void Sockets_are_not_content_and_are_skipped()
    {
        using var ws = new LayerWorkspace();
        using (var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
            s.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(ws.In("sock")));
        File.WriteAllText(ws.In("f"), "x");
        var tar = new MemoryStream();

        LayerDiff.Write(ws.Root, null, tar);

        Assert.Equal(["f"], Names(tar.ToArray()));
    }

    [Fact]
    public void Trusted_xattrs_other_than_opaque_are_not_exported()
    {
        using var ws = new LayerWorkspace();
        File.WriteAllText(ws.In("f"), "x");
        using (var fd = Sys.Open(ws.In("f"), OpenFlags.O_RDONLY))
        {
            Sys.FsetXattr(fd.Value, "trusted.something", "v"u8, "f");
            Sys.FsetXattr(fd.Value, "user.kept", "v"u8, "f");
        }
        var tar = new MemoryStream();

        LayerDiff.Write(ws.Root, null, tar);

        tar.Position = 0;
        var entry = (PaxTarEntry)new TarReader(tar).GetNextEntry()!;
        Assert.Equal(["SCHILY.xattr.user.kept"], entry.ExtendedAttributes.Keys.Where(k => k.Contains("xattr", StringComparison.Ordinal)));
    }

    private static List<string> Names(byte[] tar)
    {
        var names = new List<string>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } e)
            names.Add(e.Name);
        return names;
    }
}
