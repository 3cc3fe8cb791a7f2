using Berth.Images.Bundles;

namespace Berth.Images.Tests.Bundles;

public sealed class ContainerPathsTests
{
    [Theory]
    [InlineData("/../../../x", "/x")]
    [InlineData("x/y", "/x/y")]
    [InlineData("//a/./b//", "/a/b")]
    [InlineData("/a/b/../../..", "/")]
    [InlineData("", "/")]
    public void Clean_absolute_clamps_dotdot_at_the_root(string path, string expected)
    {
        Assert.Equal(expected, ContainerPaths.CleanAbsolute(path));
    }

    [Fact]
    public void Volume_dotdot_path_lands_under_the_root()
    {
        Assert.Equal("/x", ContainerPaths.Volume("/../../../x"));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("")]
    [InlineData("/../..")]
    public void Volume_at_root_is_refused(string volume)
    {
        var e = Assert.Throws<BundleException>(() => ContainerPaths.Volume(volume));
        Assert.EndsWith("a volume at / is not allowed", e.Message);
    }

    [Fact]
    public void Proc_itself_is_an_allowed_working_dir()
    {
        Assert.Equal("/proc", ContainerPaths.Cwd("/proc", "image config"));
    }
}
