using System.Text.Json.Nodes;
using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class FeaturesTests
{
    private static JsonNode Json(Features features) => JsonNode.Parse(OciJson.SerializeFeatures(features))!;

    [Fact]
    public void Features_report_the_supported_version_range()
    {
        var json = Json(FeaturesProvider.Create(seccompEnabled: true));

        Assert.Equal(("1.0.0", "1.2.0"), (json["ociVersionMin"]!.GetValue<string>(), json["ociVersionMax"]!.GetValue<string>()));
    }

    [Fact]
    public void Features_list_top_level_members_in_runc_order()
    {
        var json = Json(FeaturesProvider.Create(seccompEnabled: true, libseccompVersion: "2.5.4")).AsObject();

        Assert.Equal(["ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux", "annotations"], json.Select(p => p.Key));
    }

    [Fact]
    public void Features_list_hooks_in_lifecycle_order()
    {
        var json = Json(FeaturesProvider.Create(seccompEnabled: true));

        Assert.Equal(
            ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            json["hooks"]!.AsArray().Select(h => h!.GetValue<string>()));
    }

    [Fact]
    public void Mount_options_are_runc_1_1_list_without_acl_and_tmpcopyup()
    {
        // From `runc features` of runc 1.1.5; acl/noacl were dropped by runc later (they cannot be
        // MS_POSIXACL) and tmpcopyup is a runc extension this runtime does not implement.
        string[] runc =
        [
            "acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime",
            "loud", "mand", "noacl", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand",
            "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime",
            "relatime", "remount", "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime",
            "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared",
            "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
            "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
        ];

        var options = Json(FeaturesProvider.Create(seccompEnabled: true))["mountOptions"]!.AsArray().Select(o => o!.GetValue<string>());

        Assert.Equal(runc.Except(["acl", "noacl", "tmpcopyup"]), options);
    }

    [Fact]
    public void Features_list_every_namespace_and_capability()
    {
        var linux = Json(FeaturesProvider.Create(seccompEnabled: true))["linux"]!;

        Assert.Equal(["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"], linux["namespaces"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(41, linux["capabilities"]!.AsArray().Count);
        Assert.Equal("CAP_CHECKPOINT_RESTORE", linux["capabilities"]![40]!.GetValue<string>());
    }

    [Fact]
    public void Features_report_both_cgroup_versions_and_no_systemd()
    {
        var cgroup = Json(FeaturesProvider.Create(seccompEnabled: true))["linux"]!["cgroup"]!.ToJsonString();

        Assert.Equal("""{"v1":true,"v2":true,"systemd":false,"systemdUser":false}""", cgroup);
    }

    [Fact]
    public void Enabled_seccomp_lists_actions_operators_archs_and_flags()
    {
        var seccomp = Json(FeaturesProvider.Create(seccompEnabled: true, seccompSupportedFlags: ["SECCOMP_FILTER_FLAG_LOG"]))["linux"]!["seccomp"]!;

        Assert.True(seccomp["enabled"]!.GetValue<bool>());
        Assert.Contains("SCMP_ACT_NOTIFY", seccomp["actions"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Contains("SCMP_CMP_MASKED_EQ", seccomp["operators"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Contains("SCMP_ARCH_X86_64", seccomp["archs"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(4, seccomp["knownFlags"]!.AsArray().Count);
        Assert.Equal("""["SECCOMP_FILTER_FLAG_LOG"]""", seccomp["supportedFlags"]!.ToJsonString());
    }

    [Fact]
    public void Disabled_seccomp_is_reported_as_enabled_false_only()
    {
        var seccomp = Json(FeaturesProvider.Create(seccompEnabled: false))["linux"]!["seccomp"]!;

        Assert.Equal("""{"enabled":false}""", seccomp.ToJsonString());
    }

    [Fact]
    public void Unimplemented_security_features_are_reported_disabled()
    {
        var linux = Json(FeaturesProvider.Create(seccompEnabled: true))["linux"]!;

        Assert.Equal("""{"enabled":false}""", linux["apparmor"]!.ToJsonString());
        Assert.Equal("""{"enabled":false}""", linux["selinux"]!.ToJsonString());
        Assert.Equal("""{"enabled":false}""", linux["intelRdt"]!.ToJsonString());
        Assert.Equal("""{"idmap":{"enabled":false}}""", linux["mountExtensions"]!.ToJsonString());
    }

    [Fact]
    public void Libseccomp_version_is_an_annotation_when_given()
    {
        var json = Json(FeaturesProvider.Create(seccompEnabled: true, libseccompVersion: "2.5.4"));

        Assert.Equal("""{"io.github.seccomp.libseccomp.version":"2.5.4"}""", json["annotations"]!.ToJsonString());
    }

    [Fact]
    public void Annotations_are_absent_without_a_libseccomp_version()
    {
        var json = Json(FeaturesProvider.Create(seccompEnabled: true)).AsObject();

        Assert.False(json.ContainsKey("annotations"));
    }

    [Fact]
    public void Features_are_written_with_four_space_indent_like_runc()
    {
        var written = OciJson.SerializeFeatures(FeaturesProvider.Create(seccompEnabled: true));

        Assert.StartsWith("{\n    \"ociVersionMin\": \"1.0.0\",\n    \"ociVersionMax\": \"1.2.0\",\n    \"hooks\": [\n        \"prestart\",", written);
    }
}
