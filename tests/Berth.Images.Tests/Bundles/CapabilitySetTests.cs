using Berth.Images.Bundles;

namespace Berth.Images.Tests.Bundles;

public sealed class CapabilitySetTests
{
    [Fact]
    public void Defaults_are_exactly_the_mask_docker_shows_as_CapBnd()
    {
        Assert.Equal(0x00000000a80425fbUL, CapabilitySet.Mask(CapabilitySet.Resolve(null, null)));
    }

    [Theory]
    [InlineData("SYS_ADMIN")]
    [InlineData("CAP_SYS_ADMIN")]
    [InlineData("sys_admin")]
    public void Cap_add_accepts_names_with_or_without_prefix(string name)
    {
        Assert.Contains("CAP_SYS_ADMIN", CapabilitySet.Resolve([name], null));
    }

    [Fact]
    public void Cap_drop_removes_a_default()
    {
        var caps = CapabilitySet.Resolve(null, ["NET_RAW", "CAP_MKNOD"]);
        Assert.DoesNotContain("CAP_NET_RAW", caps);
        Assert.DoesNotContain("CAP_MKNOD", caps);
        Assert.Equal(12, caps.Count);
    }

    [Fact]
    public void Cap_add_all_grants_every_capability_but_the_dropped()
    {
        var caps = CapabilitySet.Resolve(["ALL"], ["SYS_ADMIN"]);
        Assert.Equal(Berth.Oci.Runtime.Capabilities.Names.Count - 1, caps.Count);
        Assert.DoesNotContain("CAP_SYS_ADMIN", caps);
    }

    [Fact]
    public void Cap_drop_all_keeps_only_the_added()
    {
        Assert.Equal(["CAP_NET_BIND_SERVICE"], CapabilitySet.Resolve(["NET_BIND_SERVICE"], ["ALL"]));
    }

    [Fact]
    public void Cap_add_wins_over_cap_drop_of_the_same_name()
    {
        Assert.Contains("CAP_KILL", CapabilitySet.Resolve(["KILL"], ["KILL"]));
    }

    [Theory]
    [InlineData("CAP_NOPE")]
    [InlineData("CAP_ALL")]
    [InlineData("")]
    public void Unknown_names_are_refused(string name)
    {
        var e = Assert.Throws<BundleException>(() => CapabilitySet.Resolve([name], null));
        Assert.StartsWith("options: CapAdd: unknown capability", e.Message);
    }

    [Fact]
    public void Unknown_drop_names_are_refused()
    {
        var e = Assert.Throws<BundleException>(() => CapabilitySet.Resolve(null, ["FLY"]));
        Assert.Equal("options: CapDrop: unknown capability \"FLY\"", e.Message);
    }
}
