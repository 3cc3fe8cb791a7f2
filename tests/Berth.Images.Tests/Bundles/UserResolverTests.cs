using Berth.Images.Bundles;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Bundles;

public sealed class UserResolverTests : IDisposable
{
    private readonly FakeRootfs _f = new();

    public void Dispose() => _f.Dispose();

    private ResolvedUser Resolve(string? user) => UserResolver.Resolve(user, _f.Rootfs, "image config");

    [Fact]
    public void Empty_user_is_root_with_the_groups_that_list_root()
    {
        var u = Resolve("");
        Assert.Equal((0u, 0u, "/root"), (u.Uid, u.Gid, u.Home));
        Assert.Equal([0u, 10u], u.AdditionalGids);
    }

    [Fact]
    public void Name_resolves_uid_gid_home_and_supplementary_groups()
    {
        var u = Resolve("alice");
        Assert.Equal((1000u, 1000u, "/home/alice"), (u.Uid, u.Gid, u.Home));
        Assert.Equal([1000u, 10u, 4242u], u.AdditionalGids);
    }

    [Fact]
    public void Uid_found_in_passwd_gets_the_entry_and_its_groups()
    {
        var u = Resolve("1000");
        Assert.Equal((1000u, 1000u), (u.Uid, u.Gid));
        Assert.Equal([1000u, 10u, 4242u], u.AdditionalGids);
    }

    [Fact]
    public void Uid_without_passwd_entry_gets_gid_0_and_home_slash()
    {
        var u = Resolve("4711");
        Assert.Equal((4711u, 0u, "/"), (u.Uid, u.Gid, u.Home));
        Assert.Equal([0u], u.AdditionalGids);
    }

    [Fact]
    public void Uid_colon_gid_gives_exactly_that_group()
    {
        var u = Resolve("1000:1000");
        Assert.Equal((1000u, 1000u), (u.Uid, u.Gid));
        Assert.Equal([1000u], u.AdditionalGids);
    }

    [Fact]
    public void Name_colon_group_name_resolves_both()
    {
        var u = Resolve("alice:staff");
        Assert.Equal((1000u, 50u), (u.Uid, u.Gid));
        Assert.Equal([50u], u.AdditionalGids);
    }

    [Fact]
    public void Uid_colon_group_name_resolves_the_group()
    {
        var u = Resolve("4711:audio");
        Assert.Equal((4711u, 4242u), (u.Uid, u.Gid));
    }

    [Fact]
    public void Name_colon_gid_takes_the_numeric_gid()
    {
        var u = Resolve("alice:777");
        Assert.Equal((1000u, 777u), (u.Uid, u.Gid));
        Assert.Equal([777u], u.AdditionalGids);
    }

    [Fact]
    public void Unknown_user_name_is_refused_naming_it()
    {
        var e = Assert.Throws<BundleException>(() => Resolve("mallory"));
        Assert.Equal("image config: User: unable to find user \"mallory\": no matching entries in /etc/passwd", e.Message);
    }

    [Fact]
    public void Unknown_group_name_is_refused_naming_it()
    {
        var e = Assert.Throws<BundleException>(() => Resolve("alice:nogroup"));
        Assert.Equal("image config: User: unable to find group \"nogroup\": no matching entries in /etc/group", e.Message);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2147483648")]
    [InlineData("4294967296")]
    [InlineData("1000:-5")]
    [InlineData("99999999999999999999999")]
    public void Ids_outside_0_to_int32_max_are_refused(string user)
    {
        var e = Assert.Throws<BundleException>(() => Resolve(user));
        Assert.EndsWith("uids and gids must be in range 0-2147483647", e.Message);
    }

    [Fact]
    public void A_passwd_line_with_a_bad_uid_is_skipped_not_read_as_root()
    {
        var e = Assert.Throws<BundleException>(() => Resolve("broken"));
        Assert.Contains("unable to find user \"broken\"", e.Message);
    }

    [Fact]
    public void Entry_without_home_gets_home_slash()
    {
        Assert.Equal("/", Resolve("nohome").Home);
    }

    [Fact]
    public void Missing_etc_files_still_allow_numeric_ids()
    {
        File.Delete(_f.InRootfs("etc/passwd"));
        File.Delete(_f.InRootfs("etc/group"));
        var u = Resolve("5:6");
        Assert.Equal((5u, 6u), (u.Uid, u.Gid));
    }

    [Fact]
    public void Absolute_symlink_to_a_host_passwd_is_resolved_inside_the_rootfs()
    {
        // The "host" file lives outside the rootfs and names a sentinel user; the link must not reach it.
        var host = Path.Combine(_f.Dir, "host-passwd");
        File.WriteAllText(host, "sentinel:x:4242:4242::/sentinel:/bin/sh\n");
        ReplaceWithSymlink("etc/passwd", host);

        var e = Assert.Throws<BundleException>(() => Resolve("sentinel"));
        Assert.Contains("unable to find user \"sentinel\"", e.Message);
    }

    [Fact]
    public void Absolute_symlink_target_is_read_from_the_same_path_under_the_rootfs()
    {
        var host = Path.Combine(_f.Dir, "host-passwd");
        File.WriteAllText(host, "sentinel:x:4242:4242::/sentinel:/bin/sh\n");
        File.WriteAllText(_f.InRootfs(host), "sentinel:x:1111:1111::/inside:/bin/sh\n");
        ReplaceWithSymlink("etc/passwd", host);

        Assert.Equal(1111u, Resolve("sentinel").Uid);
    }

    [Fact]
    public void Dotdot_symlink_cannot_climb_out_of_the_rootfs()
    {
        File.WriteAllText(Path.Combine(_f.Dir, "host-passwd"), "sentinel:x:4242:4242::/sentinel:/bin/sh\n");
        ReplaceWithSymlink("etc/passwd", "../../../../../../host-passwd");

        Assert.Throws<BundleException>(() => Resolve("sentinel"));
    }

    [Fact]
    public void Symlinked_etc_directory_is_resolved_inside_the_rootfs()
    {
        var hostEtc = Path.Combine(_f.Dir, "host-etc");
        Directory.CreateDirectory(hostEtc);
        File.WriteAllText(Path.Combine(hostEtc, "passwd"), "sentinel:x:4242:4242::/sentinel:/bin/sh\n");
        Directory.Delete(_f.InRootfs("etc"), recursive: true);
        File.CreateSymbolicLink(_f.InRootfs("etc"), hostEtc);

        Assert.Throws<BundleException>(() => Resolve("sentinel"));
    }

    [Fact]
    public void Passwd_that_is_a_directory_is_refused()
    {
        File.Delete(_f.InRootfs("etc/passwd"));
        Directory.CreateDirectory(_f.InRootfs("etc/passwd"));

        var e = Assert.Throws<BundleException>(() => Resolve("alice"));
        Assert.Equal("rootfs: /etc/passwd: not a regular file", e.Message);
    }

    [Fact]
    public async Task Passwd_that_is_a_fifo_is_refused_without_blocking()
    {
        var path = _f.InRootfs("etc/passwd");
        File.Delete(path);
        Sys.MknodAt(AtFlags.AT_FDCWD, path, StatMode.S_IFIFO | 0x1a4, 0, 0, path);

        var resolve = Task.Run(() => Resolve("alice"));
        var first = await Task.WhenAny(resolve, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(first == resolve, "resolving the user blocked on a fifo");
        var e = await Assert.ThrowsAsync<BundleException>(() => resolve);
        Assert.Equal("rootfs: /etc/passwd: not a regular file", e.Message);
    }

    [Fact]
    public void Passwd_that_is_a_device_node_is_refused()
    {
        var path = _f.InRootfs("etc/passwd");
        File.Delete(path);
        Sys.MknodAt(AtFlags.AT_FDCWD, path, StatMode.S_IFCHR | 0x1a4, 1, 3, path);

        var e = Assert.Throws<BundleException>(() => Resolve("alice"));
        Assert.Equal("rootfs: /etc/passwd: not a regular file", e.Message);
    }

    [Fact]
    public void Passwd_over_1_MiB_is_refused()
    {
        using (var s = File.Open(_f.InRootfs("etc/passwd"), FileMode.Truncate))
            s.SetLength((1 << 20) + 1);

        var e = Assert.Throws<BundleException>(() => Resolve("alice"));
        Assert.Equal("rootfs: /etc/passwd: larger than 1 MiB", e.Message);
    }

    [Fact]
    public void Group_file_is_read_inside_the_rootfs_too()
    {
        var host = Path.Combine(_f.Dir, "host-group");
        File.WriteAllText(host, "sentinel:x:31337:alice\n");
        ReplaceWithSymlink("etc/group", host);

        Assert.Equal([1000u], Resolve("alice").AdditionalGids);
    }

    private void ReplaceWithSymlink(string relative, string target)
    {
        var path = _f.InRootfs(relative);
        File.Delete(path);
        File.CreateSymbolicLink(path, target);
    }
}
