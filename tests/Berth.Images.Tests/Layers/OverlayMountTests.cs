using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

/// <summary>Layers applied in overlay mode, stacked by the kernel, show what docker shows (baseline L12).</summary>
public class OverlayMountTests
{
    [Fact]
    public void Merged_view_hides_whited_out_files_and_lower_contents_of_opaque_dirs()
    {
        using var ws = new LayerWorkspace();
        var l1 = ws.NewDir("l1");
        var l2 = ws.NewDir("l2");
        var merged = ws.NewDir("merged");
        ws.Apply(new LayerTar()
            .Dir("etc").File("etc/keep", "kept").File("etc/gone", "deleted later")
            .Dir("cache").File("cache/old1", "1").Dir("cache/sub").File("cache/sub/old2", "2")
            .ToTar(), LayerApplyMode.Overlay, l1);
        ws.Apply(new LayerTar()
            .Dir("etc").File("etc/.wh.gone")
            .Dir("cache").File("cache/.wh..wh..opq").File("cache/new", "new")
            .ToTar(), LayerApplyMode.Overlay, l2);

        Sys.Mount("overlay", merged, "overlay", 0, $"lowerdir={l2}:{l1}");
        ws.Mounted(merged);

        Assert.Equal("kept", File.ReadAllText(Path.Combine(merged, "etc/keep")));
        Assert.False(Path.Exists(Path.Combine(merged, "etc/gone")));
        Assert.Equal(["new"], Directory.GetFileSystemEntries(Path.Combine(merged, "cache")).Select(p => Path.GetFileName(p)));
        Assert.Equal("deleted later", File.ReadAllText(Path.Combine(l1, "etc/gone")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(l1, "cache/old1")));
    }

    [Fact]
    public void Native_mode_applies_the_same_layers_to_the_same_result_without_overlayfs()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar()
            .Dir("etc").File("etc/keep", "kept").File("etc/gone", "deleted later")
            .Dir("cache").File("cache/old1", "1").Dir("cache/sub").File("cache/sub/old2", "2")
            .ToTar());
        ws.Apply(new LayerTar()
            .Dir("etc").File("etc/.wh.gone")
            .Dir("cache").File("cache/-early", "sorts before the marker").File("cache/.wh..wh..opq").File("cache/new", "new")
            .ToTar());

        Assert.Equal("kept", File.ReadAllText(ws.In("etc/keep")));
        Assert.False(Path.Exists(ws.In("etc/gone")));
        Assert.Equal(["-early", "new"], Directory.GetFileSystemEntries(ws.In("cache")).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal));
    }
}
