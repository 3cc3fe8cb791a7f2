using Berth.Runtime.Seccomp;
using static Berth.Runtime.Tests.Seccomp.SeccompProfiles;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>Compiled filters installed in a real process (see <see cref="SeccompProbe"/>).</summary>
public sealed class SeccompFilterBehaviourTests : IDisposable
{
    private const int EPERM = 1;
    private const int ENOSYS = 38;
    private const int AF_UNIX = 1;
    private const int AF_VSOCK = 40;
    private const int SOCK_DGRAM = 2;
    private const int SOCK_STREAM = 1;
    private const ulong READ_IMPLIES_EXEC = 0x0400000;
    private const ulong CLONE_NEWNS = 0x00020000;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"berth-seccomp-{Guid.NewGuid():N}");

    public SeccompFilterBehaviourTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Default_profile_denies_unshare_of_a_user_namespace_with_EPERM()
    {
        var result = SeccompProbe.Run(SeccompCompiler.Compile(Default()), "unshare-user", "keyctl");

        Assert.Equal(EPERM, result["unshare-user"]);
        Assert.Equal(EPERM, result["keyctl"]);
    }

    [Fact]
    public void Default_profile_allows_getpid_and_mkdir()
    {
        var mkdir = $"mkdir:{Path.Combine(_dir, "made")}";

        var result = SeccompProbe.Run(SeccompCompiler.Compile(Default()), "getpid", mkdir);

        Assert.Equal(0, result["getpid"]);
        Assert.Equal(0, result[mkdir]);
        Assert.True(Directory.Exists(Path.Combine(_dir, "made")));
    }

    [Fact]
    public void Default_profile_answers_clone3_with_ENOSYS()
    {
        var result = SeccompProbe.Run(SeccompCompiler.Compile(Default()), "clone3");

        Assert.Equal(ENOSYS, result["clone3"]);
    }

    [Fact]
    public void Default_profile_filters_personality_by_value()
    {
        var result = SeccompProbe.Run(SeccompCompiler.Compile(Default()),
            $"personality:{READ_IMPLIES_EXEC}", "personality:0xffffffff");

        Assert.Equal(EPERM, result[$"personality:{READ_IMPLIES_EXEC}"]);
        Assert.Equal(0, result["personality:0xffffffff"]);
    }

    [Fact]
    public void Default_profile_filters_socket_by_address_family()
    {
        var result = SeccompProbe.Run(SeccompCompiler.Compile(Default()), $"socket:{AF_UNIX}", $"socket:{AF_VSOCK}");

        Assert.Equal(0, result[$"socket:{AF_UNIX}"]);
        Assert.Equal(EPERM, result[$"socket:{AF_VSOCK}"]);
    }

    [Fact]
    public void Default_profile_allows_clone_only_without_namespace_flags()
    {
        var result = SeccompProbe.Run(SeccompCompiler.Compile(Default()), "clone:0", $"clone:{CLONE_NEWNS}");

        Assert.Equal(0, result["clone:0"]);
        Assert.Equal(EPERM, result[$"clone:{CLONE_NEWNS}"]);
    }

    [Fact]
    public void Errno_action_without_errnoRet_returns_EPERM()
    {
        var mkdir = $"mkdir:{Path.Combine(_dir, "denied")}";

        var result = SeccompProbe.Run(SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir"))), mkdir, "getpid");

        Assert.Equal(EPERM, result[mkdir]);
        Assert.Equal(0, result["getpid"]);
        Assert.False(Directory.Exists(Path.Combine(_dir, "denied")));
    }

    [Fact]
    public void Errno_action_with_errnoRet_38_returns_ENOSYS()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "mkdir");
        rule.ErrnoRet = 38;
        var mkdir = $"mkdir:{Path.Combine(_dir, "denied")}";

        var result = SeccompProbe.Run(SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rule)), mkdir);

        Assert.Equal(ENOSYS, result[mkdir]);
    }

    [Fact]
    public void Default_errno_ret_applies_to_unlisted_syscalls()
    {
        var profile = With("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "write", "exit_group", "getpid"));
        profile.DefaultErrnoRet = 38;
        var mkdir = $"mkdir:{Path.Combine(_dir, "denied")}";

        var result = SeccompProbe.Run(SeccompCompiler.Compile(profile), mkdir, "getpid");

        Assert.Equal(ENOSYS, result[mkdir]);
        Assert.Equal(0, result["getpid"]);
    }

    [Fact]
    public void Conditions_on_different_arguments_must_all_match()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "socket");
        rule.Args = [Arg(0, "SCMP_CMP_EQ", AF_UNIX), Arg(1, "SCMP_CMP_EQ", SOCK_DGRAM)];

        var result = SeccompProbe.Run(SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rule)),
            $"socket:{AF_UNIX}:{SOCK_STREAM}", $"socket:{AF_UNIX}:{SOCK_DGRAM}");

        Assert.Equal(0, result[$"socket:{AF_UNIX}:{SOCK_STREAM}"]);
        Assert.Equal(EPERM, result[$"socket:{AF_UNIX}:{SOCK_DGRAM}"]);
    }

    [Fact]
    public void Conditions_on_the_same_argument_each_make_a_rule_as_in_runc()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "personality");
        rule.Args = [Arg(0, "SCMP_CMP_EQ", READ_IMPLIES_EXEC), Arg(0, "SCMP_CMP_EQ", 0x8)];

        var result = SeccompProbe.Run(SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rule)),
            $"personality:{READ_IMPLIES_EXEC}", "personality:0x8", "personality:0xffffffff");

        Assert.Equal(EPERM, result[$"personality:{READ_IMPLIES_EXEC}"]);
        Assert.Equal(EPERM, result["personality:0x8"]);
        Assert.Equal(0, result["personality:0xffffffff"]);
    }

    [Fact]
    public void Masked_equality_compares_the_masked_argument_with_valueTwo()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "clone");
        rule.Args = [Arg(0, "SCMP_CMP_MASKED_EQ", CLONE_NEWNS, CLONE_NEWNS)];

        var result = SeccompProbe.Run(SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rule)), $"clone:{CLONE_NEWNS}", "clone:0");

        Assert.Equal(EPERM, result[$"clone:{CLONE_NEWNS}"]);
        Assert.Equal(0, result["clone:0"]);
    }

    [Fact]
    public void A_filter_with_skipped_names_still_applies_the_rest()
    {
        var program = SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "berth_no_such_syscall", "mkdir")));
        var mkdir = $"mkdir:{Path.Combine(_dir, "denied")}";

        var result = SeccompProbe.Run(program, mkdir);

        Assert.Equal(["berth_no_such_syscall"], program.SkippedSyscalls);
        Assert.Equal(EPERM, result[mkdir]);
    }

    [Fact]
    public void The_kernel_accepts_the_filter_with_its_flags()
    {
        var profile = With("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir"));
        profile.Flags = [.. SeccompLibrary.SupportedFlags()];
        var program = SeccompCompiler.Compile(profile);

        var result = SeccompProbe.Run(program, "getpid");

        Assert.NotEqual(0u, program.Flags);
        Assert.Equal(0, result["getpid"]);
    }
}
