using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class LinuxValidationTests
{
    [Fact]
    public void Unknown_device_type_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Devices = [new LinuxDevice { Path = "/dev/fuse", Type = "x", Major = 10, Minor = 229 }];

        Assert.Equal("config.json: linux.devices[0].type: unknown device type \"x\" (expected c, b, u or p)", Specs.ValidationError(spec));
    }

    [Fact]
    public void Relative_device_path_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Devices = [new LinuxDevice { Path = "dev/fuse", Type = "c", Major = 10, Minor = 229 }];

        Assert.Equal("config.json: linux.devices[0].path: must be an absolute path", Specs.ValidationError(spec));
    }

    [Theory]
    [InlineData("c")]
    [InlineData("b")]
    [InlineData("u")]
    [InlineData("p")]
    public void Device_types_of_the_spec_are_accepted(string type)
    {
        var spec = Specs.Valid();
        spec.Linux!.Devices = [new LinuxDevice { Path = "/dev/thing", Type = type, Major = 1, Minor = 1 }];

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Device_cgroup_rule_with_unknown_type_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Resources!.Devices!.Add(new LinuxDeviceCgroup { Allow = true, Type = "p", Access = "r" });

        Assert.Equal("config.json: linux.resources.devices[1].type: unknown device type \"p\" (expected a, b or c)", Specs.ValidationError(spec));
    }

    [Fact]
    public void Device_cgroup_rule_with_unknown_access_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Resources!.Devices![0].Access = "rwx";

        Assert.Equal("config.json: linux.resources.devices[0].access: unknown access \"rwx\" (expected some of rwm)", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_rootfs_propagation_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.RootfsPropagation = "recursive";

        Assert.Equal("config.json: linux.rootfsPropagation: unknown propagation \"recursive\"", Specs.ValidationError(spec));
    }

    [Theory]
    [InlineData("")]
    [InlineData("private")]
    [InlineData("rprivate")]
    [InlineData("slave")]
    [InlineData("rslave")]
    [InlineData("shared")]
    [InlineData("rshared")]
    [InlineData("unbindable")]
    [InlineData("runbindable")]
    public void Rootfs_propagations_of_the_spec_are_accepted(string propagation)
    {
        var spec = Specs.Valid();
        spec.Linux!.RootfsPropagation = propagation;

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Relative_masked_path_is_refused_with_its_index()
    {
        var spec = Specs.Valid();
        spec.Linux!.MaskedPaths![1] = "proc/asound";

        Assert.Equal("config.json: linux.maskedPaths[1]: must be an absolute path", Specs.ValidationError(spec));
    }

    [Fact]
    public void Relative_readonly_path_is_refused_with_its_index()
    {
        var spec = Specs.Valid();
        spec.Linux!.ReadonlyPaths![4] = "proc/sysrq-trigger";

        Assert.Equal("config.json: linux.readonlyPaths[4]: must be an absolute path", Specs.ValidationError(spec));
    }

    [Fact]
    public void Masked_paths_without_a_mount_namespace_are_refused()
    {
        var spec = Specs.Valid();
        Specs.RemoveNamespace(spec, "mount");

        Assert.Equal("config.json: linux.maskedPaths: requires a new mount namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_personality_domain_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Personality = new LinuxPersonality { Domain = "SVR4" };

        Assert.Equal("config.json: linux.personality.domain: unknown domain \"SVR4\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_seccomp_default_action_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_MAYBE" };

        Assert.Equal("config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_MAYBE\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_seccomp_architecture_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"] };

        Assert.Equal("config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Seccomp_rule_without_syscall_names_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [new LinuxSyscall { Action = "SCMP_ACT_ERRNO" }] };

        Assert.Equal("config.json: linux.seccomp.syscalls[0].names: must not be empty", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_seccomp_operator_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new LinuxSyscall { Names = ["clone"], Action = "SCMP_ACT_ERRNO", Args = [new LinuxSeccompArg { Index = 0, Value = 1, Op = "SCMP_CMP_ALMOST" }] }],
        };

        Assert.Equal("config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Seccomp_argument_index_beyond_the_sixth_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new LinuxSyscall { Names = ["clone"], Action = "SCMP_ACT_ERRNO", Args = [new LinuxSeccompArg { Index = 6, Op = "SCMP_CMP_EQ" }] }],
        };

        Assert.Equal("config.json: linux.seccomp.syscalls[0].args[0].index: must be less than 6", Specs.ValidationError(spec));
    }
}
