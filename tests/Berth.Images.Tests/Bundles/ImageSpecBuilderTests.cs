using System.Text;
using Berth.Images.Bundles;
using Berth.Images.Oci;
using Berth.Oci.Runtime;

namespace Berth.Images.Tests.Bundles;

public sealed class ImageSpecBuilderTests : IDisposable
{
    private static readonly EmptyObject s_empty = new();
    private readonly FakeRootfs _f = new();

    public void Dispose() => _f.Dispose();

    private static ImageConfig Image(ExecutionConfig config) =>
        new() { OS = "linux", Architecture = "amd64", Config = config };

    private static ImageConfig Image(params string[] cmd) => Image(new ExecutionConfig { Cmd = cmd });

    private BundlePlan Build(ImageConfig image, BundleOptions? options = null) =>
        ImageSpecBuilder.Build(image, _f.Rootfs, options ?? new BundleOptions());

    [Fact]
    public void Produced_spec_passes_the_runtime_validator()
    {
        var image = Image(new ExecutionConfig
        {
            Entrypoint = ["/entry"],
            Cmd = ["serve"],
            User = "alice",
            WorkingDir = "/srv",
            Env = ["A=1"],
            Volumes = new Dictionary<string, EmptyObject> { ["/data"] = s_empty },
            Labels = new Dictionary<string, string> { ["x"] = "y" },
        });
        var plan = Build(image, new BundleOptions { Hostname = "box", Terminal = true, CapAdd = ["SYS_ADMIN"] });

        var parsed = SpecLoader.Parse(Encoding.UTF8.GetBytes(OciJson.SerializeSpec(plan.Spec)));
        Assert.Equal(["/entry", "serve"], parsed.Process!.Args);
        Assert.Equal(1000u, parsed.Process.User.Uid);
    }

    [Fact]
    public void Args_are_entrypoint_then_cmd()
    {
        var plan = Build(Image(new ExecutionConfig { Entrypoint = ["/bin/sh", "-c"], Cmd = ["echo hi"] }));
        Assert.Equal(["/bin/sh", "-c", "echo hi"], plan.Spec.Process!.Args);
    }

    [Fact]
    public void Options_cmd_replaces_the_image_cmd_and_keeps_the_entrypoint()
    {
        var plan = Build(Image(new ExecutionConfig { Entrypoint = ["/entry"], Cmd = ["a"] }), new BundleOptions { Cmd = ["b"] });
        Assert.Equal(["/entry", "b"], plan.Spec.Process!.Args);
    }

    [Fact]
    public void Options_entrypoint_drops_the_image_cmd()
    {
        var plan = Build(Image(new ExecutionConfig { Entrypoint = ["/entry"], Cmd = ["a"] }), new BundleOptions { Entrypoint = ["/other"] });
        Assert.Equal(["/other"], plan.Spec.Process!.Args);
    }

    [Fact]
    public void Options_entrypoint_and_cmd_are_both_used()
    {
        var plan = Build(Image("a"), new BundleOptions { Entrypoint = ["/other"], Cmd = ["b"] });
        Assert.Equal(["/other", "b"], plan.Spec.Process!.Args);
    }

    [Fact]
    public void Image_without_a_command_is_refused()
    {
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig())));
        Assert.Equal("image has no command; give one", e.Message);
    }

    [Fact]
    public void Empty_options_entrypoint_clears_the_command()
    {
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig { Entrypoint = ["/e"], Cmd = ["c"] }), new BundleOptions { Entrypoint = [] }));
        Assert.Equal("image has no command; give one", e.Message);
    }

    [Fact]
    public void Path_defaults_to_dockers_when_the_image_sets_none()
    {
        var plan = Build(Image("x"));
        Assert.Equal(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"], plan.Spec.Process!.Env);
    }

    [Fact]
    public void Image_path_replaces_the_default_in_place()
    {
        var plan = Build(Image(new ExecutionConfig { Cmd = ["x"], Env = ["FOO=1", "PATH=/app"] }));
        Assert.Equal(["PATH=/app", "FOO=1", "HOME=/root"], plan.Spec.Process!.Env);
    }

    [Fact]
    public void Options_env_overrides_the_image_by_key()
    {
        var plan = Build(Image(new ExecutionConfig { Cmd = ["x"], Env = ["FOO=1", "BAR=2"] }), new BundleOptions { Env = ["FOO=9", "NEW=3"] });
        Assert.Equal(["PATH=" + DockerDefaults.Path, "FOO=9", "BAR=2", "NEW=3", "HOME=/root"], plan.Spec.Process!.Env);
    }

    [Fact]
    public void Hostname_sets_the_spec_and_the_HOSTNAME_variable()
    {
        var plan = Build(Image("x"), new BundleOptions { Hostname = "box" });
        Assert.Equal("box", plan.Spec.Hostname);
        Assert.Contains("HOSTNAME=box", plan.Spec.Process!.Env!);
    }

    [Fact]
    public void Terminal_sets_TERM_xterm()
    {
        var plan = Build(Image("x"), new BundleOptions { Terminal = true });
        Assert.True(plan.Spec.Process!.Terminal);
        Assert.Contains("TERM=xterm", plan.Spec.Process.Env!);
    }

    [Fact]
    public void Home_comes_from_passwd_unless_the_image_sets_it()
    {
        Assert.Contains("HOME=/home/alice", Build(Image(new ExecutionConfig { Cmd = ["x"], User = "alice" })).Spec.Process!.Env!);
        Assert.Contains("HOME=/h", Build(Image(new ExecutionConfig { Cmd = ["x"], User = "alice", Env = ["HOME=/h"] })).Spec.Process!.Env!);
    }

    [Fact]
    public void Env_entry_without_a_key_is_refused()
    {
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig { Cmd = ["x"], Env = ["OK=1", "=oops"] })));
        Assert.Equal("image config: Env[1]: must be of the form KEY=value, got \"=oops\"", e.Message);
    }

    [Fact]
    public void Cwd_defaults_to_slash()
    {
        Assert.Equal("/", Build(Image("x")).Spec.Process!.Cwd);
    }

    [Fact]
    public void Cwd_is_the_cleaned_working_dir()
    {
        Assert.Equal("/srv/app", Build(Image(new ExecutionConfig { Cmd = ["x"], WorkingDir = "/srv/./x/../app/" })).Spec.Process!.Cwd);
    }

    [Fact]
    public void Relative_working_dir_is_refused()
    {
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig { Cmd = ["x"], WorkingDir = "srv" })));
        Assert.Equal("image config: WorkingDir: \"srv\" must be an absolute path", e.Message);
    }

    [Fact]
    public void Working_dir_proc_self_fd_3_is_refused()
    {
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig { Cmd = ["x"], WorkingDir = "/proc/self/fd/3" })));
        Assert.Equal("image config: WorkingDir: \"/proc/self/fd/3\" is not allowed (CVE-2024-21626)", e.Message);
    }

    [Theory]
    [InlineData("/proc/self/fd")]
    [InlineData("/proc/self/fd/7/../../..")]
    [InlineData("/proc/thread-self/fd/4")]
    [InlineData("/proc/1/cwd")]
    [InlineData("/x/../proc/self/fd/9")]
    public void Working_dirs_through_process_proc_trees_are_refused(string dir)
    {
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig { Cmd = ["x"], WorkingDir = dir })));
        Assert.EndsWith("is not allowed (CVE-2024-21626)", e.Message);
    }

    [Fact]
    public void Options_working_dir_is_checked_too()
    {
        var e = Assert.Throws<BundleException>(() => Build(Image("x"), new BundleOptions { WorkingDir = "/proc/self/fd/5" }));
        Assert.StartsWith("options: WorkingDir:", e.Message);
    }

    [Fact]
    public void Options_user_overrides_the_image_user()
    {
        var plan = Build(Image(new ExecutionConfig { Cmd = ["x"], User = "alice" }), new BundleOptions { User = "1:2" });
        Assert.Equal((1u, 2u), (plan.Spec.Process!.User.Uid, plan.Spec.Process.User.Gid));
    }

    [Fact]
    public void Image_user_resolves_into_process_user()
    {
        var user = Build(Image(new ExecutionConfig { Cmd = ["x"], User = "alice" })).Spec.Process!.User;
        Assert.Equal((1000u, 1000u), (user.Uid, user.Gid));
        Assert.Equal([1000u, 10u, 4242u], user.AdditionalGids);
    }

    [Fact]
    public void Default_capabilities_are_dockers_14_in_bounding_effective_and_permitted()
    {
        var caps = Build(Image("x")).Spec.Process!.Capabilities!;
        Assert.Equal(0xa80425fbUL, CapabilitySet.Mask(caps.Bounding!));
        Assert.Equal(caps.Bounding, caps.Effective);
        Assert.Equal(caps.Bounding, caps.Permitted);
        Assert.Equal(14, caps.Bounding!.Count);
    }

    [Fact]
    public void Inheritable_and_ambient_capabilities_are_empty_even_with_cap_add()
    {
        var caps = Build(Image("x"), new BundleOptions { CapAdd = ["ALL"] }).Spec.Process!.Capabilities!;
        Assert.Empty(caps.Inheritable!);
        Assert.Empty(caps.Ambient!);
    }

    [Fact]
    public void No_new_privileges_is_off_by_default_and_follows_the_option()
    {
        Assert.False(Build(Image("x")).Spec.Process!.NoNewPrivileges);
        Assert.True(Build(Image("x"), new BundleOptions { NoNewPrivileges = true }).Spec.Process!.NoNewPrivileges);
    }

    [Fact]
    public void Masked_paths_are_mobys()
    {
        string[] expected =
        [
            "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
        ];
        Assert.Equal(expected, Build(Image("x")).Spec.Linux!.MaskedPaths!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Readonly_paths_are_mobys()
    {
        Assert.Equal(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"], Build(Image("x")).Spec.Linux!.ReadonlyPaths);
    }

    [Fact]
    public void Default_mounts_match_dockers_table()
    {
        var mounts = Build(Image("x")).Spec.Mounts!.Select(m => $"{m.Destination} {m.Type} {string.Join(',', m.Options ?? [])}");
        string[] expected =
        [
            "/proc proc nosuid,noexec,nodev",
            "/dev tmpfs nosuid,strictatime,mode=755,size=65536k",
            "/dev/pts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5",
            "/dev/shm tmpfs nosuid,noexec,nodev,mode=1777,size=65536k",
            "/dev/mqueue mqueue nosuid,noexec,nodev",
            "/sys sysfs nosuid,noexec,nodev,ro",
            "/sys/fs/cgroup cgroup ro,nosuid,noexec,nodev",
        ];
        Assert.Equal(expected, mounts);
    }

    [Fact]
    public void Shm_size_option_sizes_dev_shm()
    {
        var shm = Build(Image("x"), new BundleOptions { ShmSize = 128L << 20 }).Spec.Mounts!.Single(m => m.Destination == "/dev/shm");
        Assert.Contains("size=131072k", shm.Options!);
    }

    [Fact]
    public void Namespaces_are_pid_ipc_uts_mount_network_and_cgroup()
    {
        var types = Build(Image("x")).Spec.Linux!.Namespaces!.Select(n => n.Type).Order(StringComparer.Ordinal);
        Assert.Equal(["cgroup", "ipc", "mount", "network", "pid", "uts"], types);
    }

    [Fact]
    public void Host_network_leaves_out_the_network_namespace()
    {
        var ns = Build(Image("x"), new BundleOptions { HostNetwork = true }).Spec.Linux!.Namespaces!;
        Assert.DoesNotContain(ns, n => n.Type == NamespaceTypes.Network);
    }

    [Fact]
    public void Network_namespace_path_is_joined()
    {
        var ns = Build(Image("x"), new BundleOptions { NetworkNamespacePath = "/run/netns/a" }).Spec.Linux!.Namespaces!;
        Assert.Equal("/run/netns/a", ns.Single(n => n.Type == NamespaceTypes.Network).Path);
    }

    [Fact]
    public void Device_rules_start_with_deny_all_then_allow_the_standard_nodes()
    {
        var rules = Build(Image("x")).Spec.Linux!.Resources!.Devices!;
        Assert.False(rules[0].Allow);
        Assert.Equal(("rwm", null), (rules[0].Access, rules[0].Type));
        var allowed = rules.Skip(1).Where(r => r.Allow && r.Access == "rwm").Select(r => $"{r.Type} {r.Major}:{r.Minor}").ToHashSet();
        foreach (var node in new[] { "c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0", "c 5:1", "c 5:2", "c 136:" })
            Assert.Contains(node, allowed);
        Assert.DoesNotContain(rules, r => r.Allow && r.Type is null or "a");
    }

    [Fact]
    public void Seccomp_is_absent_unless_a_profile_is_given()
    {
        Assert.Null(Build(Image("x")).Spec.Linux!.Seccomp);
        var profile = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ERRNO" };
        Assert.Same(profile, Build(Image("x"), new BundleOptions { SeccompProfile = profile }).Spec.Linux!.Seccomp);
    }

    [Fact]
    public void No_rlimits_are_set_as_docker_sets_none()
    {
        Assert.Null(Build(Image("x")).Spec.Process!.Rlimits);
    }

    [Fact]
    public void Root_is_relative_rootfs_by_default_and_follows_the_options()
    {
        var root = Build(Image("x")).Spec.Root!;
        Assert.Equal(("rootfs", false), (root.Path, root.Readonly));
        root = Build(Image("x"), new BundleOptions { RootfsPath = "/var/lib/x/rootfs", ReadonlyRootfs = true }).Spec.Root!;
        Assert.Equal(("/var/lib/x/rootfs", true), (root.Path, root.Readonly));
    }

    [Fact]
    public void Volumes_are_cleaned_sorted_and_listed_without_mounts()
    {
        var volumes = new Dictionary<string, EmptyObject> { ["/var/lib/db/"] = s_empty, ["/../../../x"] = s_empty, ["/x"] = s_empty };
        var plan = Build(Image(new ExecutionConfig { Cmd = ["x"], Volumes = volumes }));
        Assert.Equal(["/var/lib/db", "/x"], plan.Volumes);
        Assert.DoesNotContain(plan.Spec.Mounts!, m => m.Destination is "/x" or "/var/lib/db");
    }

    [Fact]
    public void Volume_at_root_is_refused()
    {
        var volumes = new Dictionary<string, EmptyObject> { ["/.."] = s_empty };
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig { Cmd = ["x"], Volumes = volumes })));
        Assert.Equal("image config: Volumes: \"/..\": a volume at / is not allowed", e.Message);
    }

    [Fact]
    public void Volume_on_proc_is_refused()
    {
        var volumes = new Dictionary<string, EmptyObject> { ["/proc/self/attr"] = s_empty };
        var e = Assert.Throws<BundleException>(() => Build(Image(new ExecutionConfig { Cmd = ["x"], Volumes = volumes })));
        Assert.EndsWith("a volume on /proc is not allowed (CVE-2019-16884)", e.Message);
    }

    [Fact]
    public void Labels_and_image_fields_become_annotations()
    {
        var image = new ImageConfig
        {
            OS = "linux",
            Architecture = "arm64",
            Author = "me",
            Created = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Config = new ExecutionConfig
            {
                Cmd = ["x"],
                StopSignal = "SIGQUIT",
                ExposedPorts = new Dictionary<string, EmptyObject> { ["8080/tcp"] = s_empty, ["53/udp"] = s_empty },
                Labels = new Dictionary<string, string> { ["com.example.a"] = "b" },
            },
        };
        var plan = Build(image);
        var expected = new Dictionary<string, string>
        {
            ["org.opencontainers.image.os"] = "linux",
            ["org.opencontainers.image.architecture"] = "arm64",
            ["org.opencontainers.image.author"] = "me",
            ["org.opencontainers.image.created"] = "2024-01-02T03:04:05Z",
            ["org.opencontainers.image.stopSignal"] = "SIGQUIT",
            ["org.opencontainers.image.exposedPorts"] = "53/udp,8080/tcp",
            ["com.example.a"] = "b",
        };
        Assert.Equal(expected, plan.Spec.Annotations);
        Assert.Equal(expected, plan.Annotations);
        Assert.Equal("SIGQUIT", plan.StopSignal);
    }

    [Fact]
    public void A_label_wins_over_the_implicit_annotation_of_the_same_key()
    {
        var image = Image(new ExecutionConfig
        {
            Cmd = ["x"],
            StopSignal = "SIGTERM",
            Labels = new Dictionary<string, string> { ["org.opencontainers.image.stopSignal"] = "SIGINT" },
        });
        Assert.Equal("SIGINT", Build(image).Annotations["org.opencontainers.image.stopSignal"]);
    }

    [Fact]
    public void Non_linux_image_is_refused()
    {
        var e = Assert.Throws<BundleException>(() => Build(new ImageConfig { OS = "windows", Config = new ExecutionConfig { Cmd = ["x"] } }));
        Assert.Equal("image config: os: unsupported \"windows\" (expected linux)", e.Message);
    }
}
