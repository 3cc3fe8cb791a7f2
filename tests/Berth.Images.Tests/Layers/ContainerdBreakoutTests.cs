using Berth.Images.Layers;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Layers;

/// <summary>
/// containerd's TestBreakouts (containerd/containerd: pkg/archive/tar_test.go), case for case, as
/// baseline section 3.3 asks. Where containerd clamps a hardlink target that climbs out lexically,
/// Berth refuses it (IMG-P2 strict); the symlink-resolution cases clamp as containerd's do.
/// </summary>
public class ContainerdBreakoutTests
{
    private static (ulong Dev, ulong Ino) InRoot(string root, string path)
    {
        using var rootFd = Sys.Open(root, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        using var fd = Sys.OpenInRoot(rootFd.Value, path, OpenFlags.O_PATH, path);
        var st = Sys.Fstat(fd.Value, path);
        return (st.Dev, st.Ino);
    }

    private static void AssertSameFile(string root, string a, string b) => Assert.Equal(InRoot(root, a), InRoot(root, b));

    private static LayerWorkspace WithEtcPasswd(string content = "inside")
    {
        var ws = new LayerWorkspace();
        Directory.CreateDirectory(ws.In("etc"));
        File.WriteAllText(ws.In("etc/passwd"), content);
        return ws;
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("/dummy/../etc")]
    public void SymlinkAbsolute_and_SymlinkUpAndOut_write_inside_the_root(string target)
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").Dir("dummy").Symlink("localetc", target).File("/localetc/unbroken", "unbroken").ToTar());

        Assert.Equal("unbroken", File.ReadAllText(ws.In("etc/unbroken")));
        ws.AssertVictimUntouched();
    }

    [Theory]
    [InlineData("/dummy/etc")]
    [InlineData("./dummy/etc")]
    public void SymlinkMultipleAbsolute_and_SymlinkMultipleRelative_resolve_inside_the_root(string target)
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").Dir("dummy").Symlink("/dummy/etc", "/etc").Symlink("localetc", target)
            .File("/dummy/etc/unbroken", "unbroken").ToTar());

        Assert.Equal("unbroken", File.ReadAllText(ws.In("etc/unbroken")));
    }

    [Fact]
    public void SymlinkEmptyFile_truncates_only_the_file_inside_the_root()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").File("etc/emptied", "notempty").Symlink("localetc", "/etc").File("/localetc/emptied", "").ToTar());

        Assert.Equal("", File.ReadAllText(ws.In("etc/emptied")));
    }

    [Theory]
    [InlineData("../../etc", null)]
    [InlineData("../downandout/../../etc", null)]
    [InlineData("/etc", "localetc")]
    [InlineData("../../../../../../../etc", "localetc")]
    public void Hardlink_through_a_symlink_climbing_out_links_the_file_inside_the_root(string symlinkTarget, string? symlinkName)
    {
        using var ws = new LayerWorkspace();
        var link = symlinkName ?? "breakouts/d1";
        ws.Apply(new LayerTar().Dir("etc").File("/etc/passwd", "inside").Dir("breakouts").Dir("downandout")
            .Symlink(link, symlinkTarget).Hardlink("localpasswd", "/" + link + "/passwd").ToTar());

        AssertSameFile(ws.Root, "localpasswd", "etc/passwd");
        ws.AssertVictimUntouched();
    }

    /// <summary>
    /// containerd resolves <c>upandout/..</c> lexically and clamps; the kernel needs <c>upandout</c> to
    /// exist, as Linux path resolution always does, so Berth refuses the link. Either is safe (L7).
    /// </summary>
    [Fact]
    public void HardlinkRelativeUpAndOut_through_a_missing_component_is_refused()
    {
        using var ws = new LayerWorkspace();

        var e = ws.Refused(new LayerTar().Dir("etc").File("/etc/passwd", "inside")
            .Symlink("localetc", "upandout/../../../etc").Hardlink("localpasswd", "/localetc/passwd").ToTar());

        Assert.Contains("entry \"localpasswd\"", e.Message);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void HardlinkDirectRelative_climbing_out_is_refused_under_the_strict_policy()
    {
        using var ws = new LayerWorkspace();

        var e = ws.Refused(new LayerTar().Dir("etc").File("/etc/passwd", "inside").Hardlink("localpasswd", "../../../../../etc/passwd").ToTar());

        Assert.EndsWith("entry \"localpasswd\": invalid hardlink target", e.Message);
    }

    [Fact]
    public void HardlinkDirectAbsolute_links_the_file_inside_the_root()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").File("/etc/passwd", "inside").Hardlink("localpasswd", "/etc/passwd").ToTar());

        AssertSameFile(ws.Root, "localpasswd", "etc/passwd");
    }

    [Fact]
    public void SymlinkParentDirectory_a_symlink_named_dotdot_is_refused()
    {
        using var ws = new LayerWorkspace();

        var e = ws.Refused(new LayerTar().Dir("etc").Symlink("..", "/etc/").ToTar());

        Assert.EndsWith("entry \"..\": invalid entry name", e.Message);
    }

    [Fact]
    public void SymlinkEmptyFilename_a_symlink_with_no_name_is_refused()
    {
        using var ws = new LayerWorkspace();

        ws.Refused([.. RawTar.Header("", '2', linkName: "/etc/"), .. new byte[1024]]);

        Assert.True(Sys.StatAt(AtFlags.AT_FDCWD, ws.Root, ws.Root).IsDirectory);
    }

    [Fact]
    public void SymlinkParentRelative_name_is_cleaned_and_the_hardlink_stays_inside()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").File("/etc/passwd", "inside").Symlink("localetc/sub/..", "/etc/")
            .Hardlink("/localetc/localpasswd", "/etc/passwd").ToTar());

        AssertSameFile(ws.Root, "localetc/localpasswd", "etc/passwd");
    }

    [Fact]
    public void SymlinkSlashEnded_directory_name_with_slash_works()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").File("/etc/passwd", "inside").Dir("localetc/").Hardlink("/localetc/localpasswd", "/etc/passwd").ToTar());

        AssertSameFile(ws.Root, "localetc/localpasswd", "etc/passwd");
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("../../etc")]
    public void SymlinkOverrideDirectory_replaced_directory_still_resolves_inside(string target)
    {
        using var ws = WithEtcPasswd();
        Directory.CreateDirectory(ws.In("localetc"));

        ws.Apply(new LayerTar().Symlink("localetc", target).Hardlink("/localetc/localpasswd", "/etc/passwd").ToTar());

        Assert.True(Sys.StatAt(AtFlags.AT_FDCWD, ws.In("localetc"), "localetc").IsSymlink);
        AssertSameFile(ws.Root, "localetc/localpasswd", "etc/passwd");
    }

    [Fact]
    public void DirectoryOverrideSymlink_replaces_the_symlink_with_a_real_directory()
    {
        using var ws = WithEtcPasswd();
        File.CreateSymbolicLink(ws.In("localetc"), "/etc");

        ws.Apply(new LayerTar().Dir("/localetc/").Hardlink("/localetc/localpasswd", "/etc/passwd").ToTar());

        Assert.True(Sys.StatAt(AtFlags.AT_FDCWD, ws.In("localetc"), "localetc").IsDirectory);
        AssertSameFile(ws.Root, "localetc/localpasswd", "etc/passwd");
    }

    [Fact]
    public void DirectoryOverrideSymlinkAndHardlink_new_file_gets_a_new_inode()
    {
        using var ws = WithEtcPasswd();
        File.CreateSymbolicLink(ws.In("localetc"), "etc");
        Sys.LinkAt(AtFlags.AT_FDCWD, ws.In("etc/passwd"), AtFlags.AT_FDCWD, ws.In("etc/localpasswd"), "etc/localpasswd");

        ws.Apply(new LayerTar().Dir("/localetc/").File("/localetc/localpasswd", "different").ToTar());

        Assert.NotEqual(InRoot(ws.Root, "localetc/localpasswd"), InRoot(ws.Root, "etc/passwd"));
        Assert.Equal("inside", File.ReadAllText(ws.In("etc/passwd")));
    }

    [Fact]
    public void WhiteoutSymlink_removes_the_symlink_not_its_target()
    {
        using var ws = WithEtcPasswd("all users");
        File.CreateSymbolicLink(ws.In("localetc"), "/etc");

        ws.Apply(new LayerTar().File(".wh.localetc").ToTar());

        Assert.Equal("all users", File.ReadAllText(ws.In("etc/passwd")));
        Assert.False(Sys.TryLstat(ws.In("localetc"), out _));
    }

    [Fact]
    public void WhiteoutSymlinkPath_removes_through_the_symlink_inside_the_root()
    {
        using var ws = WithEtcPasswd("all users");
        File.WriteAllText(ws.In("etc/whitedout"), "ahhhh whiteout");
        File.CreateSymbolicLink(ws.In("localetc"), "/etc");

        ws.Apply(new LayerTar().File("localetc/.wh.whitedout").ToTar());

        Assert.Equal("all users", File.ReadAllText(ws.In("etc/passwd")));
        Assert.False(File.Exists(ws.In("etc/whitedout")));
    }

    [Fact]
    public void WhiteoutDirectoryName_prefix_counts_only_in_the_last_component()
    {
        using var ws = WithEtcPasswd("all users");

        ws.Apply(new LayerTar().File(".wh.etc/somefile", "non-empty").ToTar());

        Assert.Equal("all users", File.ReadAllText(ws.In("etc/passwd")));
        Assert.Equal("non-empty", File.ReadAllText(ws.In(".wh.etc/somefile")));
    }

    [Fact]
    public void WhiteoutDeadSymlinkParent_is_a_no_op()
    {
        using var ws = WithEtcPasswd("all users");
        File.CreateSymbolicLink(ws.In("localetc"), "/dne");

        ws.Apply(new LayerTar().File("localetc/.wh.etc").ToTar());

        Assert.Equal("all users", File.ReadAllText(ws.In("etc/passwd")));
    }

    [Fact]
    public void WhiteoutRelativePath_removes_only_the_directory_in_the_root()
    {
        using var ws = WithEtcPasswd("all users");
        File.CreateSymbolicLink(ws.In("localetc"), "/dne");

        ws.Apply(new LayerTar().File("dne/../.wh.etc").ToTar());

        Assert.False(Path.Exists(ws.In("etc")));
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void HardlinkSymlinkBeforeCreateTarget_behaves_like_the_symlink()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").Symlink("localpasswd", "/etc/passwd").Hardlink("localpasswd-dup", "localpasswd")
            .File("/etc/passwd", "after").ToTar());

        AssertSameFile(ws.Root, "localpasswd-dup", "etc/passwd");
    }

    [Theory]
    [InlineData("../../../../../etc/passwd")]
    [InlineData("/etc/passwd")]
    public void HardlinkSymlink_copies_the_symlink_itself(string target)
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc").File("/etc/passwd", "inside").Symlink("passwdlink", target).Hardlink("localpasswd", "/passwdlink").ToTar());

        Assert.Equal(target, new FileInfo(ws.In("localpasswd")).LinkTarget);
        AssertSameFile(ws.Root, "localpasswd", "etc/passwd");
    }

    [Fact]
    public void HardlinkSymlinkChmod_never_changes_a_host_file_mode()
    {
        using var ws = new LayerWorkspace();
        var outside = Path.Combine(ws.Victim, "also-exists-outside-root");
        File.WriteAllText(outside, "...");

        ws.Apply(new LayerTar().Symlink(outside, ws.Sentinel).Hardlink("sketchylink", outside).ToTar());

        Assert.Equal((UnixFileMode)0x100, File.GetUnixFileMode(ws.Sentinel));
        Assert.True(Sys.StatAt(AtFlags.AT_FDCWD, ws.In("sketchylink"), "sketchylink").IsSymlink);
    }

    [Fact]
    public void SymlinkOverridePath_host_is_never_written_and_the_last_write_wins()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar()
            .File("foo/bar", "first")
            .Symlink("foo", "/")
            .File("foo/" + ws.VictimInTar + "/x", "through root link")
            .Dir("foo")
            .File("foo/bar", "last").ToTar());

        Assert.Equal("last", File.ReadAllText(ws.In("foo/bar")));
        ws.AssertVictimUntouched();
    }
}
