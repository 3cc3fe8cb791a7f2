using Berth.Runtime.Cgroups;

namespace Berth.Runtime.Tests.Cgroups;

public sealed class CgroupMountsTests
{
    [Fact]
    public void Host_with_v1_hierarchies_and_an_empty_cgroup2_is_hybrid()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.ThisHostHybrid);

        Assert.Equal(CgroupMode.Hybrid, mounts.Mode);
    }

    [Fact]
    public void Hybrid_host_exposes_its_cgroup2_tree_at_unified()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.ThisHostHybrid);

        Assert.NotNull(mounts.Unified);
        Assert.True(mounts.Unified.IsCgroup2);
        Assert.Equal("/sys/fs/cgroup/unified", mounts.Unified.MountPoint);
    }

    [Fact]
    public void Each_v1_controller_maps_to_its_mount_point_and_root()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.ThisHostHybrid);

        Assert.True(mounts.TryGetV1Controller("memory", out var memory));
        Assert.Equal("/sys/fs/cgroup/memory", memory.MountPoint);
        Assert.Equal("/", memory.Root);
        Assert.Equal(
            ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "name=systemd", "pids"],
            mounts.V1Controllers.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Named_hierarchy_is_keyed_by_its_name()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.ThisHostHybrid);

        Assert.True(mounts.TryGetV1Controller("name=systemd", out var systemd));
        Assert.Equal("/sys/fs/cgroup/systemd", systemd.MountPoint);
    }

    [Fact]
    public void Comounted_controllers_share_one_hierarchy()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.Legacy);

        Assert.Same(mounts.V1Controllers["cpu"], mounts.V1Controllers["cpuacct"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", mounts.V1Controllers["cpu"].MountPoint);
        Assert.Equal(["cpu", "cpuacct"], mounts.V1Controllers["cpu"].Controllers);
        Assert.Equal(7, mounts.V1Hierarchies.Count);
    }

    [Fact]
    public void Superblock_options_that_are_not_controllers_are_ignored()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.Legacy);

        Assert.Equal(["name=systemd"], mounts.V1Controllers["name=systemd"].Controllers);
        Assert.DoesNotContain("xattr", mounts.V1Controllers.Keys);
        Assert.DoesNotContain("rw", mounts.V1Controllers.Keys);
        Assert.DoesNotContain(mounts.V1Controllers.Keys, k => k.StartsWith("release_agent", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_with_only_v1_hierarchies_is_legacy()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.Legacy);

        Assert.Equal(CgroupMode.Legacy, mounts.Mode);
        Assert.Null(mounts.Unified);
    }

    [Fact]
    public void Host_with_cgroup2_at_sys_fs_cgroup_is_unified()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.Unified);

        Assert.Equal(CgroupMode.Unified, mounts.Mode);
        Assert.Equal("/sys/fs/cgroup", mounts.Unified?.MountPoint);
        Assert.Empty(mounts.V1Hierarchies);
    }

    [Fact]
    public void Cgroup2_at_sys_fs_cgroup_is_unified_even_beside_a_named_v1_hierarchy()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.Unified +
            "40 35 0:40 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n");

        Assert.Equal(CgroupMode.Unified, mounts.Mode);
    }

    [Fact]
    public void Lone_cgroup2_mounted_elsewhere_is_unified()
    {
        var mounts = CgroupMounts.Parse("50 1 0:40 / /run/cg rw - cgroup2 cgroup2 rw\n");

        Assert.Equal(CgroupMode.Unified, mounts.Mode);
        Assert.Equal("/run/cg", mounts.Unified?.MountPoint);
    }

    [Fact]
    public void Mount_root_is_kept_for_hierarchies_shown_from_a_cgroup()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.NestedLegacy);

        Assert.Equal("/docker/abc", mounts.V1Controllers["memory"].Root);
    }

    [Fact]
    public void Octal_escapes_in_paths_are_decoded()
    {
        var mounts = CgroupMounts.Parse(@"60 1 0:41 /a\040b /mnt/my\040cgroups rw - cgroup cgroup rw,pids" + "\n");

        Assert.Equal("/mnt/my cgroups", mounts.V1Controllers["pids"].MountPoint);
        Assert.Equal("/a b", mounts.V1Controllers["pids"].Root);
    }

    [Fact]
    public void Optional_fields_before_the_separator_are_skipped()
    {
        var mounts = CgroupMounts.Parse(
            "28 24 0:24 / /sys/fs/cgroup/pids rw,nosuid shared:9 master:2 - cgroup cgroup rw,pids\n");

        Assert.Equal("/sys/fs/cgroup/pids", mounts.V1Controllers["pids"].MountPoint);
    }

    [Fact]
    public void Second_mount_of_a_hierarchy_is_ignored()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.ThisHostHybrid +
            "90 31 0:32 / /mnt/memory-again rw,relatime - cgroup cgroup rw,memory\n");

        Assert.Equal("/sys/fs/cgroup/memory", mounts.V1Controllers["memory"].MountPoint);
        Assert.Single(mounts.V1Hierarchies, h => h.Controllers.Contains("memory"));
    }

    [Fact]
    public void Mountinfo_without_cgroup_mounts_is_refused()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupMounts.Parse("22 27 0:21 / /proc rw,relatime - proc proc rw\n"));

        Assert.Equal("cgroup: parse mountinfo: no cgroup or cgroup2 mount found", e.Message);
    }

    [Fact]
    public void Malformed_mountinfo_line_is_refused_with_its_number()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupMounts.Parse("22 27 0:21 / /proc rw\nbroken\n"));

        Assert.StartsWith("cgroup: parse mountinfo: line 1: malformed", e.Message);
    }

    [Fact]
    public void Load_reads_this_process_mountinfo()
    {
        var mounts = CgroupMounts.Load();

        Assert.True(mounts.V1Hierarchies.Count > 0 || mounts.Unified is not null);
    }

    [Fact]
    public void Load_of_a_missing_file_names_it()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupMounts.Load("/nonexistent/mountinfo"));

        Assert.Equal("cgroup: read /nonexistent/mountinfo: no such file or directory", e.Message);
    }
}
