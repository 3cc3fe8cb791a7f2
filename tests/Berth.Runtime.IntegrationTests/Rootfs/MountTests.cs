using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Rootfs;

public sealed class MountTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Tmpfs_mount_has_the_requested_size_and_mode()
    {
        var bundle = NewBundle().Shell("stat -c %a /data; cat /proc/self/mountinfo");
        bundle.AddMount("/data", "tmpfs", "tmpfs", "size=1m", "mode=0710");
        var lines = MustRun(bundle);
        Assert.StartsWith("710\n", lines);
        var data = MountInfo.At(MountInfo.Parse(lines), "/data");
        Assert.NotNull(data);
        Assert.Equal("tmpfs", data.FsType);
        Assert.Contains("size=1024k", data.SuperOptions);
        Assert.Contains("mode=710", data.SuperOptions);
    }

    [RuntimeFact]
    public void Mount_flags_ro_nosuid_nodev_noexec_are_visible_in_mountinfo()
    {
        var bundle = NewBundle().Args("/bin/cat", "/proc/self/mountinfo");
        bundle.AddMount("/flags", "tmpfs", "tmpfs", "ro", "nosuid", "nodev", "noexec");
        var mount = MountInfo.At(MountInfo.Parse(MustRun(bundle)), "/flags");
        Assert.NotNull(mount);
        Assert.Equal(["ro", "nosuid", "nodev", "noexec"], mount.MountOptions.Where(o => o is "ro" or "nosuid" or "nodev" or "noexec"));
    }

    [RuntimeFact]
    public void Bind_mount_shows_the_host_directory()
    {
        var host = Directory.CreateDirectory(Path.Combine(Dir, "host-share")).FullName;
        File.WriteAllText(Path.Combine(host, "file"), "from-the-host\n");
        var bundle = NewBundle().Args("/bin/cat", "/mnt/share/file");
        bundle.AddMount("/mnt/share", "bind", host, "bind");
        Assert.Equal("from-the-host\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Readonly_bind_mount_refuses_writes_and_keeps_the_host_file()
    {
        var host = Directory.CreateDirectory(Path.Combine(Dir, "host-ro")).FullName;
        File.WriteAllText(Path.Combine(host, "file"), "original\n");
        var bundle = NewBundle().Shell("{ echo changed > /mnt/ro/file; } 2>&1; echo rc=$?; grep ' /mnt/ro ' /proc/self/mountinfo");
        bundle.AddMount("/mnt/ro", "bind", host, "bind", "ro", "nosuid", "nodev", "noexec");
        var stdout = MustRun(bundle);
        Assert.Contains("Read-only file system", stdout);
        Assert.Contains("rc=1", stdout);
        var mount = MountInfo.At(MountInfo.Parse(stdout), "/mnt/ro");
        Assert.NotNull(mount);
        Assert.Equal(["ro", "nosuid", "nodev", "noexec"], mount.MountOptions.Where(o => o is "ro" or "nosuid" or "nodev" or "noexec"));
        Assert.Equal("original\n", File.ReadAllText(Path.Combine(host, "file")));
    }

    [RuntimeFact]
    public void Rbind_mount_carries_the_submounts()
    {
        var host = HostDirWithSubmount();
        var bundle = NewBundle().Shell("cat /mnt/tree/sub/in-submount 2>&1");
        bundle.AddMount("/mnt/tree", "bind", host, "rbind");
        Assert.Equal("submount\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Bind_mount_leaves_out_the_submounts()
    {
        var host = HostDirWithSubmount();
        var bundle = NewBundle().Shell("ls -A /mnt/tree/sub; echo end");
        bundle.AddMount("/mnt/tree", "bind", host, "bind");
        Assert.Equal("end\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Mount_destination_through_an_absolute_symlink_stays_in_the_rootfs()
    {
        var victim = $"/tmp/berth-it-host-victim-{Guid.NewGuid():N}";
        Cleanup.Path(victim);
        var bundle = NewBundle().Args("/bin/cat", "/proc/self/mountinfo");
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "evil"), victim);
        bundle.AddMount("/evil", "tmpfs", "tmpfs", "size=64k");

        var stdout = RunForeground(bundle);
        Assert.False(Path.Exists(victim), $"the runtime followed /evil -> {victim} out of the rootfs");
        if (stdout.Succeeded)
        {
            Assert.NotNull(MountInfo.At(MountInfo.Parse(stdout.Stdout), victim));
            Assert.True(Directory.Exists(bundle.Rootfs + victim), "the mount point was made inside the rootfs");
        }
    }

    [RuntimeFact]
    public void Mount_destination_through_a_relative_symlink_stays_in_the_rootfs()
    {
        var victim = $"/tmp/berth-it-host-victim-{Guid.NewGuid():N}";
        Cleanup.Path(victim);
        var bundle = NewBundle().Args("/bin/cat", "/proc/self/mountinfo");
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "evil"), "../../../../../../../../.." + victim);
        bundle.AddMount("/evil", "tmpfs", "tmpfs", "size=64k");

        var stdout = RunForeground(bundle);
        Assert.False(Path.Exists(victim), $"the runtime followed /evil -> ../..{victim} out of the rootfs");
        if (stdout.Succeeded)
        {
            Assert.NotNull(MountInfo.At(MountInfo.Parse(stdout.Stdout), victim));
        }
    }

    [RuntimeFact]
    public void Mount_below_a_symlinked_directory_does_not_touch_the_host_directory()
    {
        var victim = Directory.CreateDirectory(Path.Combine(Dir, "host-victim")).FullName;
        var bundle = NewBundle().Args("/bin/true");
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "evil"), victim);
        bundle.AddMount("/evil/sub", "tmpfs", "tmpfs", "size=64k");

        RunForeground(bundle);
        Assert.Empty(Directory.EnumerateFileSystemEntries(victim));
        Assert.DoesNotContain(Cleanup.MountPoints(), m => m.StartsWith(victim, StringComparison.Ordinal));
    }

    private string HostDirWithSubmount()
    {
        var host = Directory.CreateDirectory(Path.Combine(Dir, "host-tree")).FullName;
        var sub = Directory.CreateDirectory(Path.Combine(host, "sub")).FullName;
        var mount = ProcessRunner.Run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "berth-it-sub", sub], Dir);
        Assert.True(mount.Succeeded, mount.ToString());
        File.WriteAllText(Path.Combine(sub, "in-submount"), "submount\n");
        return host;
    }
}
