using System.Text.Json.Nodes;
using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class DefaultSpecTests
{
    /// <summary>
    /// runc 1.1.5's sample with the differences this runtime means to have: its own version and
    /// hostname, and no ambient set (runc dropped it from the example after 1.1).
    /// </summary>
    private static string RuncEquivalent(string runcSample)
    {
        var spec = Specs.Parse(runcSample);
        spec.OciVersion = OciVersions.Current;
        spec.Hostname = "berth";
        spec.Process!.Capabilities!.Ambient = null;
        return OciJson.SerializeSpec(spec);
    }

    [Fact]
    public void Default_spec_is_runc_spec_with_berth_version_and_hostname()
    {
        var spec = DefaultSpec.Create(rootless: false, cgroupNamespace: false);

        Assert.Equal(RuncEquivalent(RuncSamples.Spec), OciJson.SerializeSpec(spec));
    }

    [Fact]
    public void Rootless_spec_is_runc_spec_rootless_with_berth_version_and_hostname()
    {
        var spec = DefaultSpec.Create(rootless: true, hostUid: 0, hostGid: 0, cgroupNamespace: false);

        Assert.Equal(RuncEquivalent(RuncSamples.RootlessSpec), OciJson.SerializeSpec(spec));
    }

    [Fact]
    public void Default_spec_adds_a_cgroup_namespace_last_unless_told_not_to()
    {
        var spec = DefaultSpec.Create(rootless: false);

        Assert.Equal(["pid", "network", "ipc", "uts", "mount", "cgroup"], spec.Linux!.Namespaces!.Select(ns => ns.Type));
    }

    [Fact]
    public void Default_spec_passes_validation()
    {
        SpecValidator.Validate(DefaultSpec.Create(rootless: false));
    }

    [Fact]
    public void Default_spec_survives_a_round_trip_through_the_loader()
    {
        var written = OciJson.SerializeSpec(DefaultSpec.Create(rootless: false));

        Assert.Equal(written, OciJson.SerializeSpec(Specs.Parse(written)));
    }

    [Fact]
    public void Default_spec_is_written_with_tabs_like_runc()
    {
        var written = OciJson.SerializeSpec(DefaultSpec.Create(rootless: false));

        Assert.StartsWith("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"terminal\": true,", written);
    }

    [Fact]
    public void Rootless_spec_maps_root_to_the_given_ids()
    {
        var spec = DefaultSpec.Create(rootless: true, hostUid: 1000, hostGid: 1001);

        var uid = Assert.Single(spec.Linux!.UidMappings!);
        var gid = Assert.Single(spec.Linux.GidMappings!);
        Assert.Equal((0u, 1000u, 1u), (uid.ContainerId, uid.HostId, uid.Size));
        Assert.Equal((0u, 1001u, 1u), (gid.ContainerId, gid.HostId, gid.Size));
    }

    [Fact]
    public void Rootless_spec_swaps_the_network_namespace_for_a_user_namespace()
    {
        var spec = DefaultSpec.Create(rootless: true, hostUid: 1000, hostGid: 1000);

        Assert.Equal(["pid", "ipc", "uts", "mount", "cgroup", "user"], spec.Linux!.Namespaces!.Select(ns => ns.Type));
    }

    [Fact]
    public void Rootless_spec_bind_mounts_sys_read_only()
    {
        var spec = DefaultSpec.Create(rootless: true, hostUid: 1000, hostGid: 1000);

        var sys = Assert.Single(spec.Mounts!, m => m.Destination == "/sys");
        Assert.Equal(("none", "/sys"), (sys.Type, sys.Source));
        Assert.Equal(["rbind", "nosuid", "noexec", "nodev", "ro"], sys.Options!);
    }

    [Fact]
    public void Rootless_spec_drops_the_tty_group_from_devpts()
    {
        var spec = DefaultSpec.Create(rootless: true, hostUid: 1000, hostGid: 1000);

        var devpts = Assert.Single(spec.Mounts!, m => m.Destination == "/dev/pts");
        Assert.DoesNotContain("gid=5", devpts.Options!);
    }

    [Fact]
    public void Rootless_spec_sets_no_cgroup_resources()
    {
        var spec = DefaultSpec.Create(rootless: true, hostUid: 1000, hostGid: 1000);

        Assert.Null(spec.Linux!.Resources);
    }

    [Fact]
    public void Rootless_spec_passes_validation()
    {
        SpecValidator.Validate(DefaultSpec.Create(rootless: true, hostUid: 1000, hostGid: 1000));
    }

    [Fact]
    public void Each_call_returns_an_independent_spec()
    {
        var first = DefaultSpec.Create(rootless: false);
        first.Process!.Capabilities!.Bounding!.Add("CAP_SYS_ADMIN");

        var second = DefaultSpec.Create(rootless: false);

        Assert.Equal(3, second.Process!.Capabilities!.Bounding!.Count);
        Assert.Equal(3, second.Process.Capabilities.Effective!.Count);
    }

    [Fact]
    public void Default_spec_has_no_ambient_capabilities()
    {
        var process = JsonNode.Parse(OciJson.SerializeSpec(DefaultSpec.Create(rootless: false)))!["process"]!;

        Assert.Null(process["capabilities"]!["ambient"]);
    }
}
