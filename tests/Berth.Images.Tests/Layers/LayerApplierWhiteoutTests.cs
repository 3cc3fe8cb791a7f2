using Berth.Images.Layers;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Layers;

/// <summary>What <c>.wh.name</c> and <c>.wh..wh..opq</c> become in each <see cref="LayerApplyMode"/>.</summary>
public class LayerApplierWhiteoutTests
{
    private static FileStatus Lstat(string path) => Sys.StatAt(AtFlags.AT_FDCWD, path, path);

    [Fact]
    public void Overlay_whiteout_becomes_a_0_0_character_device()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().Dir("etc").File("etc/.wh.passwd").ToTar(), LayerApplyMode.Overlay);

        var st = Lstat(ws.In("etc/passwd"));
        Assert.Equal((StatMode.S_IFCHR, 0u, 0u), (st.Type, st.RdevMajor, st.RdevMinor));
        Assert.False(Path.Exists(ws.In("etc/.wh.passwd")));
    }

    [Fact]
    public void Overlay_whiteout_replaces_an_existing_directory_tree()
    {
        using var ws = new LayerWorkspace();
        Directory.CreateDirectory(ws.In("d/sub"));
        File.WriteAllText(ws.In("d/sub/f"), "x");

        ws.Apply(new LayerTar().File(".wh.d").ToTar(), LayerApplyMode.Overlay);

        Assert.Equal(StatMode.S_IFCHR, Lstat(ws.In("d")).Type);
    }

    [Fact]
    public void Overlay_opaque_marker_sets_the_overlay_opaque_xattr_and_keeps_the_contents()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().Dir("cache").File("cache/.wh..wh..opq").File("cache/new", "n").ToTar(), LayerApplyMode.Overlay);

        using var fd = Sys.Open(ws.In("cache"), OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.Equal("y"u8.ToArray(), Sys.FgetXattr(fd.Value, "trusted.overlay.opaque", "cache"));
        Assert.Equal(["new"], Directory.GetFileSystemEntries(ws.In("cache")).Select(p => Path.GetFileName(p)));
    }

    [Fact]
    public void Native_whiteout_deletes_and_leaves_no_marker()
    {
        using var ws = new LayerWorkspace();
        Directory.CreateDirectory(ws.In("etc"));
        File.WriteAllText(ws.In("etc/passwd"), "root");

        ws.Apply(new LayerTar().File("etc/.wh.passwd").ToTar());

        Assert.Empty(Directory.GetFileSystemEntries(ws.In("etc")));
    }

    [Fact]
    public void Native_whiteout_of_a_missing_name_is_a_no_op()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().File("nodir/.wh.ghost").File(".wh.ghost").ToTar());

        Assert.Empty(Directory.GetFileSystemEntries(ws.Root));
    }

    [Fact]
    public void Whiteout_climbing_out_of_the_root_is_refused()
    {
        using var ws = new LayerWorkspace();
        var name = "../../../" + ws.VictimInTar + "/.wh.sentinel";

        var e = ws.Refused(new LayerTar().File(name).ToTar());

        Assert.EndsWith("invalid entry name", e.Message);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void Aufs_metadata_entries_are_skipped_with_a_warning()
    {
        using var ws = new LayerWorkspace();

        var result = ws.Apply(new LayerTar().Dir(".wh..wh.plnk").File(".wh..wh.aufs").ToTar());

        Assert.Empty(Directory.GetFileSystemEntries(ws.Root));
        Assert.Equal(2, result.Warnings.Count);
    }
}
