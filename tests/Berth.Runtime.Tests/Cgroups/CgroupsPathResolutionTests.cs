using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.V1;
using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>How linux.cgroupsPath becomes a directory per hierarchy (runc's cgroupfs driver rules).</summary>
public sealed class CgroupsPathResolutionTests
{
    private static readonly CgroupMounts Hybrid = CgroupMounts.Parse(MountInfoSamples.ThisHostHybrid);
    private static readonly CgroupMounts Legacy = CgroupMounts.Parse(MountInfoSamples.Legacy);
    private static readonly CgroupMounts Unified = CgroupMounts.Parse(MountInfoSamples.Unified);

    private static ICgroupManager Resolve(string? cgroupsPath, CgroupMounts mounts, string ownCgroup)
    {
        using var own = new TempFile(ownCgroup);
        return CgroupManagerFactory.Create(cgroupsPath, "c1", mounts, own.Path);
    }

    [Fact]
    public void Absolute_path_lies_under_each_hierarchy_mount_point()
    {
        var manager = Resolve("/berth/c1", Hybrid, MountInfoSamples.ThisHostOwnCgroup);

        Assert.Equal("/sys/fs/cgroup/memory/berth/c1", manager.Paths["memory"]);
        Assert.Equal("/sys/fs/cgroup/cpuset/berth/c1", manager.Paths["cpuset"]);
    }

    [Fact]
    public void Absolute_path_does_not_read_the_runtimes_own_cgroup()
    {
        var manager = CgroupManagerFactory.Create("/berth/c1", "c1", Hybrid, ownCgroupFile: "/nonexistent/cgroup");

        Assert.Equal("/sys/fs/cgroup/pids/berth/c1", manager.Paths["pids"]);
    }

    [Fact]
    public void Relative_path_lies_under_the_runtimes_own_cgroup_in_each_hierarchy()
    {
        var manager = Resolve("berth/c1", Hybrid, MountInfoSamples.ThisHostOwnCgroup);

        Assert.Equal("/sys/fs/cgroup/memory/process_api/811bd37dc545f30c15dc51079a0e3f5b/berth/c1", manager.Paths["memory"]);
        Assert.Equal("/sys/fs/cgroup/pids/berth/c1", manager.Paths["pids"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Absent_path_puts_the_container_id_under_the_runtimes_own_cgroup(string? cgroupsPath)
    {
        var manager = Resolve(cgroupsPath, Legacy, MountInfoSamples.LegacyOwnCgroup);

        Assert.Equal("c1", manager.Path);
        Assert.Equal("/sys/fs/cgroup/memory/system.slice/containerd.service/c1", manager.Paths["memory"]);
        Assert.Equal("/sys/fs/cgroup/cpuset/c1", manager.Paths["cpuset"]);
    }

    [Fact]
    public void Relative_path_is_taken_from_the_mount_root_of_a_hierarchy_shown_from_a_cgroup()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.NestedLegacy);

        var manager = Resolve("c1", mounts, MountInfoSamples.NestedLegacyOwnCgroup);

        Assert.Equal("/sys/fs/cgroup/memory/runtime/c1", manager.Paths["memory"]);
        Assert.Equal("/sys/fs/cgroup/cpu/c1", manager.Paths["cpu"]);
    }

    [Fact]
    public void Own_cgroup_outside_the_mount_root_is_refused()
    {
        var mounts = CgroupMounts.Parse(MountInfoSamples.NestedLegacy);

        var e = Assert.Throws<CgroupException>(() => Resolve("c1", mounts, "4:memory:/other\n1:cpu:/docker/abc\n"));

        Assert.Contains("the runtime's own cgroup /other is outside cgroup memory on /sys/fs/cgroup/memory", e.Message);
    }

    [Fact]
    public void Comounted_controllers_share_one_directory()
    {
        var manager = Resolve("/c1", Legacy, MountInfoSamples.LegacyOwnCgroup);

        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/c1", manager.Paths["cpu"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/c1", manager.Paths["cpuacct"]);
    }

    [Fact]
    public void Named_hierarchy_gets_a_directory_too()
    {
        var manager = Resolve("/c1", Hybrid, MountInfoSamples.ThisHostOwnCgroup);

        Assert.Equal("/sys/fs/cgroup/systemd/c1", manager.Paths["name=systemd"]);
    }

    [Fact]
    public void Hybrid_host_also_places_the_container_in_the_cgroup2_tree()
    {
        var manager = Resolve("/c1", Hybrid, MountInfoSamples.ThisHostOwnCgroup);

        Assert.IsType<V1Manager>(manager);
        Assert.Equal("/sys/fs/cgroup/unified/c1", manager.Paths[""]);
        Assert.Equal(10, manager.Paths.Count);
    }

    [Fact]
    public void Legacy_host_has_no_cgroup2_directory()
    {
        var manager = Resolve("/c1", Legacy, MountInfoSamples.LegacyOwnCgroup);

        Assert.IsType<V1Manager>(manager);
        Assert.DoesNotContain("", manager.Paths.Keys);
    }

    [Fact]
    public void Unified_host_gets_one_directory_in_the_cgroup2_tree()
    {
        var manager = Resolve("/berth/c1", Unified, MountInfoSamples.UnifiedOwnCgroup);

        Assert.IsType<V2Manager>(manager);
        Assert.Equal(new Dictionary<string, string> { [""] = "/sys/fs/cgroup/berth/c1" }, manager.Paths);
    }

    [Fact]
    public void Relative_path_on_a_unified_host_lies_under_the_parent_of_the_runtimes_cgroup()
    {
        var manager = Resolve(null, Unified, MountInfoSamples.UnifiedOwnCgroup);

        Assert.Equal("/sys/fs/cgroup/system.slice/c1", manager.Paths[""]);
    }

    [Fact]
    public void Dot_dot_that_stays_inside_the_path_is_resolved()
    {
        var manager = Resolve("/a/../b//./c1", Legacy, MountInfoSamples.LegacyOwnCgroup);

        Assert.Equal("/b/c1", manager.Path);
        Assert.Equal("/sys/fs/cgroup/pids/b/c1", manager.Paths["pids"]);
    }

    [Theory]
    [InlineData("/../etc")]
    [InlineData("/a/../../b")]
    public void Dot_dot_above_the_hierarchy_root_is_refused(string cgroupsPath)
    {
        var e = Assert.Throws<CgroupException>(() => Resolve(cgroupsPath, Legacy, MountInfoSamples.LegacyOwnCgroup));

        Assert.Equal($"cgroup: linux.cgroupsPath \"{cgroupsPath}\": \"..\" climbs above the cgroup hierarchy root", e.Message);
    }

    [Fact]
    public void Dot_dot_above_the_runtimes_own_cgroup_is_refused()
    {
        var e = Assert.Throws<CgroupException>(() => Resolve("../sibling", Legacy, MountInfoSamples.LegacyOwnCgroup));

        Assert.Equal("cgroup: linux.cgroupsPath \"../sibling\": \"..\" climbs above the runtime's own cgroup", e.Message);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/a/..")]
    [InlineData(".")]
    public void Path_naming_an_existing_shared_cgroup_itself_is_refused(string cgroupsPath)
    {
        var e = Assert.Throws<CgroupException>(() => Resolve(cgroupsPath, Legacy, MountInfoSamples.LegacyOwnCgroup));

        Assert.StartsWith($"cgroup: linux.cgroupsPath \"{cgroupsPath}\": names the ", e.Message);
    }

    [Theory]
    [InlineData("system.slice:docker:1234")]
    [InlineData(":runc:c1")]
    public void Systemd_slice_prefix_name_path_is_refused(string cgroupsPath)
    {
        var e = Assert.Throws<CgroupException>(() => Resolve(cgroupsPath, Legacy, MountInfoSamples.LegacyOwnCgroup));

        Assert.Contains("linux.cgroupsPath", e.Message);
        Assert.EndsWith("systemd cgroup driver is not supported", e.Message);
    }

    [Fact]
    public void Relative_path_without_the_runtimes_own_cgroup_is_refused()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create("c1", "c1", Legacy, ownCgroupFile: null));

        Assert.Contains("linux.cgroupsPath \"c1\"", e.Message);
    }

    [Fact]
    public void Own_cgroup_without_the_hierarchy_is_refused()
    {
        var e = Assert.Throws<CgroupException>(() => Resolve("c1", Legacy, "0::/\n"));

        Assert.Contains("is not listed in /proc/self/cgroup", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    public void Container_id_that_is_not_one_path_component_is_refused(string containerId)
    {
        Assert.Throws<ArgumentException>(() => CgroupManagerFactory.Create(null, containerId, Legacy, ownCgroupFile: null));
    }
}
