using Berth.Runtime.Rootfs;
using Berth.Runtime.Tests.State;

namespace Berth.Runtime.Tests.Rootfs;

/// <summary>
/// Chroot-like resolution inside a root, the semantics of filepath-securejoin's SecureJoin: symlinks
/// are read as if the root were "/", ".." stops at the root, and loops end in ELOOP.
/// </summary>
public sealed class SecureJoinTests : IDisposable
{
    private readonly TempDir _root = new();

    public void Dispose() => _root.Dispose();

    private string Resolve(string unsafePath) => SecureJoin.Resolve(_root.Path, unsafePath);

    private void Dir(string path) => Directory.CreateDirectory(_root[path]);

    private void Link(string path, string target) => File.CreateSymbolicLink(_root[path], target);

    [Theory]
    [InlineData("somepath", "somepath")]
    [InlineData("even/more/path", "even/more/path")]
    [InlineData("/this/is/a/path", "this/is/a/path")]
    [InlineData("also/a/../path/././/with/some/./.././junk", "also/path/with/junk")]
    public void Path_without_symlinks_is_cleaned_lexically(string unsafePath, string expected)
    {
        Assert.Equal(expected, Resolve(unsafePath));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("/../../..")]
    public void Root_itself_resolves_to_the_empty_path(string unsafePath)
    {
        Assert.Equal("", Resolve(unsafePath));
    }

    [Theory]
    [InlineData("../../../../../../etc/passwd")]
    [InlineData("/../../../etc/passwd")]
    [InlineData("etc/../../../etc/passwd")]
    public void Dot_dot_does_not_climb_above_the_root(string unsafePath)
    {
        Assert.Equal("etc/passwd", Resolve(unsafePath));
    }

    [Fact]
    public void Absolute_symlink_resolves_from_the_root()
    {
        Dir("sub");
        Link("sub/etc", "/somepath");

        Assert.Equal("somepath/test", Resolve("sub/etc/test"));
    }

    [Fact]
    public void Absolute_symlink_with_dot_dots_stays_inside_the_root()
    {
        Link("passwd", "/../../../../../../etc/passwd");

        Assert.Equal("etc/passwd", Resolve("passwd"));
    }

    [Fact]
    public void Relative_symlink_resolves_from_its_own_folder()
    {
        Dir("subdir");
        Dir("cousinparent/cousin");
        Link("subdir/link", "../cousinparent/cousin");

        Assert.Equal("cousinparent/cousin/test", Resolve("subdir/link/test"));
    }

    [Fact]
    public void Relative_symlink_climbing_above_the_root_stops_at_the_root()
    {
        Link("etclink", "../../../../../../../../etc");

        Assert.Equal("etc/shadow", Resolve("etclink/shadow"));
    }

    [Fact]
    public void Dot_dot_after_a_symlink_climbs_from_its_target_not_lexically()
    {
        Dir("subdir");
        Dir("cousinparent/cousin");
        Link("subdir/link", "../cousinparent/cousin");

        Assert.Equal("cousinparent/test", Resolve("subdir/link/../test"));
    }

    [Fact]
    public void Dot_dot_inside_a_symlink_target_climbs_from_the_symlinks_folder()
    {
        Dir("a/b");
        Link("a/b/up", "../../c");

        Assert.Equal("c", Resolve("a/b/up"));
    }

    [Fact]
    public void Chain_of_symlinks_is_followed_to_its_end()
    {
        Dir("real");
        Link("one", "two");
        Link("two", "/three");
        Link("three", "real");

        Assert.Equal("real/file", Resolve("one/file"));
    }

    [Fact]
    public void Symlink_as_the_last_component_is_resolved()
    {
        Dir("etc");
        File.WriteAllText(_root["etc/real"], "");
        Link("etc/resolv.conf", "real");

        Assert.Equal("etc/real", Resolve("etc/resolv.conf"));
    }

    [Fact]
    public void Dangling_symlink_resolves_to_where_its_target_would_be()
    {
        Link("dangling", "/nowhere/file");

        Assert.Equal("nowhere/file", Resolve("dangling"));
    }

    [Fact]
    public void Missing_components_are_kept_as_written()
    {
        Dir("exists");

        Assert.Equal("exists/missing/deeper", Resolve("exists/missing/deeper"));
    }

    [Fact]
    public void Component_under_a_regular_file_is_kept_as_written()
    {
        File.WriteAllText(_root["notdir"], "");

        Assert.Equal("notdir/child", Resolve("notdir/child"));
    }

    [Fact]
    public void Symlink_to_a_path_under_a_regular_file_is_not_an_error()
    {
        Dir("subdir");
        File.WriteAllText(_root["notdir"], "");
        Link("subdir/link", "/../../../notdir/somechild");

        Assert.Equal("notdir/somechild", Resolve("subdir/link"));
    }

    [Theory]
    [InlineData("self")]
    [InlineData("self/..")]
    [InlineData("/self/././..")]
    [InlineData("path")]
    [InlineData("subdir/link/../..")]
    public void Symlink_loop_is_refused(string unsafePath)
    {
        Dir("subdir");
        Link("self", "/../../../self");
        Link("subdir/link", "../../../../path");
        Link("path", "/subdir/link");

        var e = Assert.Throws<RuntimeException>(() => Resolve(unsafePath));

        Assert.Equal($"{unsafePath}: too many levels of symbolic links", e.Message);
    }

    [Fact]
    public void Chain_of_255_symlinks_is_followed()
    {
        MakeChain(255);

        Assert.Equal("end", Resolve("l0"));
    }

    [Fact]
    public void Chain_of_256_symlinks_is_refused()
    {
        MakeChain(256);

        Assert.Throws<RuntimeException>(() => Resolve("l0"));
    }

    [Fact]
    public void Path_with_a_nul_byte_is_refused_naming_it()
    {
        var e = Assert.Throws<RuntimeException>(() => Resolve("/etc/a\0b"));

        Assert.Equal("/etc/a\\0b: path contains a NUL byte", e.Message);
    }

    private void MakeChain(int links)
    {
        for (var i = 0; i < links; i++)
            Link($"l{i}", i + 1 < links ? $"l{i + 1}" : "end");
    }
}
