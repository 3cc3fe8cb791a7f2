using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Seccomp;
using static Berth.Runtime.Tests.Seccomp.SeccompProfiles;

namespace Berth.Runtime.Tests.Seccomp;

public sealed class SeccompCompilerTests
{
    private const ushort BpfJmpJeqK = 0x15;
    private const uint AuditArchX86_64 = 0xC000003E;
    private const uint AuditArchI386 = 0x40000003;
    private const uint X32SyscallBit = 0x40000000;

    [Fact]
    public void Default_profile_compiles_within_the_kernel_limit()
    {
        var program = SeccompCompiler.Compile(Default());

        Assert.InRange(program.InstructionCount, 2, SeccompProgram.MaxInstructions);
        Assert.Equal(program.InstructionCount * SeccompProgram.InstructionSize, program.Filter.Length);
        Assert.Equal(0u, program.Flags);
    }

    [Fact]
    public void Default_profile_checks_the_x86_64_x86_and_x32_abis()
    {
        var program = SeccompCompiler.Compile(Default());

        Assert.True(Compares(program, AuditArchX86_64));
        Assert.True(Compares(program, AuditArchI386));
        // x32 shares AUDIT_ARCH_X86_64 and is told apart by the syscall number's x32 bit.
        Assert.Contains(Enumerable.Range(0, program.InstructionCount),
            i => program.Instruction(i).K == X32SyscallBit);
    }

    [Fact]
    public void Default_profile_skips_only_syscalls_newer_than_libseccomp()
    {
        var program = SeccompCompiler.Compile(Default());

        Assert.Subset(new HashSet<string> { "cachestat", "fchmodat2", "futex_waitv", "map_shadow_stack" },
            program.SkippedSyscalls.ToHashSet());
    }

    [Fact]
    public void Unknown_syscall_names_are_skipped_and_reported()
    {
        var profile = With("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "berth_no_such_syscall", "mkdir", "berth_no_such_syscall_either"));

        var program = SeccompCompiler.Compile(profile);

        Assert.Equal(["berth_no_such_syscall", "berth_no_such_syscall_either"], program.SkippedSyscalls);
        Assert.Contains(program.Warnings, w => w.Contains("\"berth_no_such_syscall\"", StringComparison.Ordinal)
            && w.Contains("linux.seccomp.syscalls[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_name_in_two_rules_is_listed_once()
    {
        var profile = With("SCMP_ACT_ALLOW",
            Rule("SCMP_ACT_ERRNO", "berth_no_such_syscall"), Rule("SCMP_ACT_KILL", "berth_no_such_syscall"));

        var program = SeccompCompiler.Compile(profile);

        Assert.Equal(["berth_no_such_syscall"], program.SkippedSyscalls);
        Assert.Equal(2, program.Warnings.Count);
    }

    [Fact]
    public void Unknown_rule_action_is_refused_naming_the_field()
    {
        var profile = With("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ALLOW", "read"), Rule("SCMP_ACT_ALLOW", "write"), Rule("SCMP_ACT_ALLOW", "close"),
            Rule("SCMP_ACT_FOO", "getpid"));

        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(profile));

        Assert.Equal("config.json: linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"", ex.Message);
    }

    [Fact]
    public void Unknown_default_action_is_refused_naming_the_field()
    {
        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(With("SCMP_ACT_NOPE")));

        Assert.Equal("config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"", ex.Message);
    }

    [Fact]
    public void Notify_as_default_action_is_refused()
    {
        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(With("SCMP_ACT_NOTIFY")));

        Assert.StartsWith("config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported", ex.Message);
    }

    [Fact]
    public void Notify_in_a_rule_is_refused_naming_the_rule()
    {
        var profile = With("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir"), Rule("SCMP_ACT_NOTIFY", "openat"));

        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(profile));

        Assert.StartsWith("config.json: linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY is not supported", ex.Message);
    }

    [Fact]
    public void Unknown_operator_is_refused_naming_the_argument()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "personality");
        rule.Args = [Arg(0, "SCMP_CMP_EQ", 1), Arg(0, "SCMP_CMP_ALMOST", 2)];

        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rule)));

        Assert.Equal("config.json: linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_ALMOST\"", ex.Message);
    }

    [Fact]
    public void Argument_index_past_the_sixth_is_refused()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "personality");
        rule.Args = [Arg(6, "SCMP_CMP_EQ", 1)];

        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rule)));

        Assert.Equal("config.json: linux.seccomp.syscalls[0].args[0].index: must be less than 6", ex.Message);
    }

    [Fact]
    public void Errno_that_does_not_fit_the_action_data_is_refused()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "mkdir");
        rule.ErrnoRet = 70000;

        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rule)));

        Assert.Equal("config.json: linux.seccomp.syscalls[0].errnoRet: must be at most 65535", ex.Message);
    }

    [Fact]
    public void Empty_names_are_refused()
    {
        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO"))));

        Assert.Equal("config.json: linux.seccomp.syscalls[0].names: must not be empty", ex.Message);
    }

    [Fact]
    public void A_rule_with_the_default_action_adds_nothing()
    {
        var bare = SeccompCompiler.Compile(With("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "read")));
        var redundant = SeccompCompiler.Compile(With("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ALLOW", "read"), Rule("SCMP_ACT_ERRNO", "mkdir", "berth_no_such_syscall")));

        Assert.Equal(bare.Filter, redundant.Filter);
        Assert.Empty(redundant.SkippedSyscalls);
    }

    [Fact]
    public void A_rule_with_another_errno_than_the_default_is_kept()
    {
        var bare = SeccompCompiler.Compile(With("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "read")));
        var enosys = Rule("SCMP_ACT_ERRNO", "clone3");
        enosys.ErrnoRet = 38;

        var program = SeccompCompiler.Compile(With("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "read"), enosys));

        Assert.NotEqual(bare.Filter, program.Filter);
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL", 0x00000000u)]
    [InlineData("SCMP_ACT_KILL_THREAD", 0x00000000u)]
    [InlineData("SCMP_ACT_KILL_PROCESS", 0x80000000u)]
    [InlineData("SCMP_ACT_TRAP", 0x00030000u)]
    [InlineData("SCMP_ACT_ERRNO", 0x00050001u)]
    [InlineData("SCMP_ACT_TRACE", 0x7ff00001u)]
    [InlineData("SCMP_ACT_ALLOW", 0x7fff0000u)]
    [InlineData("SCMP_ACT_LOG", 0x7ffc0000u)]
    public void Actions_map_to_libseccomp_values_with_EPERM_by_default(string name, uint expected)
    {
        Assert.Equal(expected, SeccompActions.Parse(name, null, "a", "e"));
    }

    [Fact]
    public void Errno_action_carries_errnoRet()
    {
        Assert.Equal(0x00050026u, SeccompActions.Parse("SCMP_ACT_ERRNO", 38, "a", "e"));
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL")]
    [InlineData("SCMP_ACT_KILL_PROCESS")]
    [InlineData("SCMP_ACT_KILL_THREAD")]
    [InlineData("SCMP_ACT_TRAP")]
    [InlineData("SCMP_ACT_ERRNO")]
    [InlineData("SCMP_ACT_TRACE")]
    [InlineData("SCMP_ACT_ALLOW")]
    [InlineData("SCMP_ACT_LOG")]
    public void Every_supported_action_compiles_as_default_and_as_rule(string action)
    {
        var other = action == "SCMP_ACT_ALLOW" ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW";

        Assert.True(SeccompCompiler.Compile(With(action, Rule(other, "mkdir"))).InstructionCount > 0);
        Assert.True(SeccompCompiler.Compile(With(other, Rule(action, "mkdir"))).InstructionCount > 0);
    }

    [Fact]
    public void Argument_conditions_compile_for_every_operator()
    {
        var rules = SeccompNames.Operators.Select((op, i) =>
        {
            var r = Rule("SCMP_ACT_ERRNO", "personality");
            r.Args = [Arg((uint)(i % 6), op, 0x20000, 0x20000)];
            return r;
        }).ToArray();

        var program = SeccompCompiler.Compile(With("SCMP_ACT_ALLOW", rules));

        Assert.True(Compares(program, 0x20000));
    }

    [Fact]
    public void Flags_become_seccomp_filter_flag_bits()
    {
        var profile = With("SCMP_ACT_ALLOW");
        profile.Flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"];

        var program = SeccompCompiler.Compile(profile);

        Assert.Equal(SeccompFilterFlags.SECCOMP_FILTER_FLAG_TSYNC | SeccompFilterFlags.SECCOMP_FILTER_FLAG_LOG
            | SeccompFilterFlags.SECCOMP_FILTER_FLAG_SPEC_ALLOW, program.Flags);
        Assert.Equal(7u, program.Flags);
    }

    [Fact]
    public void Wait_killable_recv_is_ignored_with_a_warning_while_notify_is_unsupported()
    {
        var profile = With("SCMP_ACT_ALLOW");
        profile.Flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_LOG"];

        var program = SeccompCompiler.Compile(profile);

        Assert.Equal(SeccompFilterFlags.SECCOMP_FILTER_FLAG_LOG, program.Flags);
        Assert.Contains(program.Warnings, w => w.Contains("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_flag_is_refused_naming_the_field()
    {
        var profile = With("SCMP_ACT_ALLOW");
        profile.Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"];

        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(profile));

        Assert.Equal("config.json: linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\"", ex.Message);
    }

    public static TheoryData<string, uint, bool> ArchitectureTokens => new()
    {
        // name, AUDIT_ARCH_* token, little-endian
        { "SCMP_ARCH_X86_64", 0xC000003E, true },
        { "SCMP_ARCH_X86", 0x40000003, true },
        { "SCMP_ARCH_X32", 0x4000003E, true },
        { "SCMP_ARCH_AARCH64", 0xC00000B7, true },
        { "SCMP_ARCH_ARM", 0x40000028, true },
        { "SCMP_ARCH_LOONGARCH64", 0xC0000102, true },
        { "SCMP_ARCH_MIPS", 0x00000008, false },
        { "SCMP_ARCH_MIPS64", 0x80000008, false },
        { "SCMP_ARCH_MIPS64N32", 0xA0000008, false },
        { "SCMP_ARCH_MIPSEL", 0x40000008, true },
        { "SCMP_ARCH_MIPSEL64", 0xC0000008, true },
        { "SCMP_ARCH_MIPSEL64N32", 0xE0000008, true },
        { "SCMP_ARCH_PPC", 0x00000014, false },
        { "SCMP_ARCH_PPC64", 0x80000015, false },
        { "SCMP_ARCH_PPC64LE", 0xC0000015, true },
        { "SCMP_ARCH_RISCV64", 0xC00000F3, true },
        { "SCMP_ARCH_S390", 0x00000016, false },
        { "SCMP_ARCH_S390X", 0x80000016, false },
    };

    [Fact]
    public void Every_spec_architecture_has_a_token_in_the_table()
    {
        Assert.Equal(SeccompNames.Architectures.Order(), ArchitectureTokens.Select(row => (string)row[0]).Order());
    }

    [Theory]
    [MemberData(nameof(ArchitectureTokens))]
    public void Architecture_names_resolve_to_their_audit_arch_token(string name, uint token, bool littleEndian)
    {
        _ = littleEndian;
        var resolved = SeccompArchitectures.Token(name);

        // loongarch64 came with libseccomp 2.6.
        if (resolved is null && name == "SCMP_ARCH_LOONGARCH64")
            return;
        Assert.Equal(token, resolved);
    }

    [Theory]
    [MemberData(nameof(ArchitectureTokens))]
    public void Each_architecture_compiles_into_the_filter_or_is_refused_clearly(string name, uint token, bool littleEndian)
    {
        var profile = With("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "read", "write", "exit_group"));
        profile.Architectures = ["SCMP_ARCH_X86_64", name];
        Assert.True(BitConverter.IsLittleEndian, "this test assumes a little-endian host");

        if (SeccompArchitectures.Token(name) is null)
        {
            var unsupported = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(profile));
            Assert.StartsWith($"config.json: linux.seccomp.architectures[1]: architecture \"{name}\" is not supported by libseccomp", unsupported.Message);
        }
        else if (name == "SCMP_ARCH_X32")
        {
            // x32 shares AUDIT_ARCH_X86_64; its filter tests the syscall number's x32 bit instead.
            var baseline = With("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "read", "write", "exit_group"));
            baseline.Architectures = ["SCMP_ARCH_X86_64"];
            var program = SeccompCompiler.Compile(profile);
            Assert.NotEqual(SeccompCompiler.Compile(baseline).Filter, program.Filter);
            Assert.Contains(Enumerable.Range(0, program.InstructionCount), i => program.Instruction(i).K == X32SyscallBit);
        }
        else if (littleEndian)
        {
            var program = SeccompCompiler.Compile(profile);
            Assert.True(Compares(program, token), $"no check for arch token 0x{token:x} in the filter");
        }
        else
        {
            var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(profile));
            Assert.Equal($"config.json: linux.seccomp.architectures[1]: architecture \"{name}\" has another byte order than the native architecture", ex.Message);
        }
    }

    [Fact]
    public void Unknown_architecture_is_refused_naming_the_field()
    {
        var profile = With("SCMP_ACT_ALLOW");
        profile.Architectures = ["SCMP_ARCH_PDP11"];

        var ex = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(profile));

        Assert.Equal("config.json: linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_PDP11\"", ex.Message);
    }

    [Fact]
    public void The_native_architecture_is_always_in_the_filter()
    {
        var profile = With("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "read"));
        profile.Architectures = ["SCMP_ARCH_X86"];

        var program = SeccompCompiler.Compile(profile);

        Assert.True(Compares(program, SeccompArchitectures.Native));
    }

    [Fact]
    public void A_missing_libseccomp_is_reported_by_its_soname()
    {
        var ex = Assert.Throws<RuntimeException>(() => SeccompLibrary.Require("libseccomp-berth-missing.so.9"));

        Assert.Equal("seccomp: libseccomp-berth-missing.so.9 not found", ex.Message);
    }

    [Fact]
    public void Libseccomp_is_loaded_by_the_soname_distributions_ship()
    {
        Assert.Equal("libseccomp.so.2", Libseccomp.LibraryName);
        Assert.True(SeccompLibrary.IsAvailable);
        Assert.Matches(@"^2\.\d+\.\d+$", SeccompLibrary.Version());
    }

    [Fact]
    public void Supported_flags_are_a_subset_of_the_known_ones()
    {
        Assert.Subset(SeccompNames.Flags.ToHashSet(), SeccompLibrary.SupportedFlags().ToHashSet());
    }

    [Fact]
    public unsafe void Native_copy_is_a_sock_fprog_over_the_instructions()
    {
        var program = SeccompCompiler.Compile(Default());

        using var native = program.ToNative();

        var fprog = (byte*)native.Fprog;
        Assert.Equal((ushort)program.InstructionCount, *(ushort*)fprog);
        var filter = *(byte**)(fprog + sizeof(nint));
        Assert.Equal(program.Filter, new ReadOnlySpan<byte>(filter, program.Filter.Length).ToArray());
    }

    private static bool Compares(SeccompProgram program, uint k) =>
        Enumerable.Range(0, program.InstructionCount).Any(i => program.Instruction(i) is { Code: BpfJmpJeqK } insn && insn.K == k);
}
