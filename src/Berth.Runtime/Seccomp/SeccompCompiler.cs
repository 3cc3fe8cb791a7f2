using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Microsoft.Win32.SafeHandles;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// Turns linux.seccomp into a BPF program with libseccomp, without loading it: the program is
/// installed by the C last mile, right before execve, so that no syscall of the runtime runs
/// under it. Rules follow runc (libcontainer/seccomp): a syscall name libseccomp does not know
/// is skipped with a warning, a rule whose action is the default action is dropped, and
/// conditions that test one argument twice become one rule each.
/// </summary>
public static unsafe class SeccompCompiler
{
    private const string Field = "linux.seccomp";

    // syscall(2): six arguments at most; libseccomp refuses a higher index.
    private const int MaxSyscallArgs = 6;

    // runc asks for libseccomp's binary-tree layout past this many rules; libseccomp <= 2.5.4
    // builds a wrong tree for an empty rule set, so small filters keep the linear layout.
    private const int BinaryTreeThreshold = 32;
    private const uint OptimizeBinaryTree = 2;

    private const uint MFD_CLOEXEC = 1;

    public static SeccompProgram Compile(LinuxSeccomp profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var defaultAction = SeccompActions.Parse(profile.DefaultAction, profile.DefaultErrnoRet,
            $"{Field}.defaultAction", $"{Field}.defaultErrnoRet");
        var warnings = new List<string>();
        var flags = Flags(profile.Flags, warnings);

        SeccompLibrary.Require();
        var ctx = Libseccomp.Init(defaultAction);
        if (ctx is null)
            throw new RuntimeException("seccomp: cannot create a filter (seccomp_init failed)");
        try
        {
            // Return the kernel's errno from libseccomp, not a generic ECANCELED (2.5+).
            Libseccomp.AttrSet(ctx, Libseccomp.SCMP_FLTATR_API_SYSRAWRC, 1);
            // The last mile sets no_new_privs itself, only when process.noNewPrivileges asks.
            Check(Libseccomp.AttrSet(ctx, Libseccomp.SCMP_FLTATR_CTL_NNP, 0), "seccomp: clear the no_new_privs attribute");

            AddArchitectures(ctx, profile.Architectures);
            var syscalls = profile.Syscalls ?? [];
            if (syscalls.Count > BinaryTreeThreshold)
                Libseccomp.AttrSet(ctx, Libseccomp.SCMP_FLTATR_CTL_OPTIMIZE, OptimizeBinaryTree);

            var skipped = new List<string>();
            for (var i = 0; i < syscalls.Count; i++)
                AddSyscall(ctx, syscalls[i], $"{Field}.syscalls[{i}]", defaultAction, skipped, warnings);

            var program = new SeccompProgram(Export(ctx), flags, skipped, warnings);
            if (program.InstructionCount > SeccompProgram.MaxInstructions)
            {
                throw new RuntimeException(
                    $"seccomp: the filter has {program.InstructionCount} instructions, more than the kernel's limit of {SeccompProgram.MaxInstructions}");
            }

            return program;
        }
        finally
        {
            Libseccomp.Release(ctx);
        }
    }

    /// <summary>An error about one field of config.json, in the validator's wording.</summary>
    internal static RuntimeException Fail(string field, string message) => new($"config.json: {field}: {message}");

    private static uint Flags(List<string>? names, List<string> warnings)
    {
        uint flags = 0;
        for (var i = 0; i < (names?.Count ?? 0); i++)
        {
            var name = names![i];
            var flag = SeccompFilterFlags.Parse(name) ?? throw Fail($"{Field}.flags[{i}]", $"unknown flag \"{name}\"");
            // The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER (EINVAL), and it only
            // changes how a notifying syscall waits: with NOTIFY refused it has nothing to act on.
            if (flag == SeccompFilterFlags.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
            {
                warnings.Add($"seccomp: flag {name} ignored: it applies only to SCMP_ACT_NOTIFY, which is not supported");
                continue;
            }

            flags |= flag;
        }

        return flags;
    }

    private static void AddArchitectures(void* ctx, List<string>? architectures)
    {
        // seccomp_init already put the native architecture in the filter.
        for (var i = 0; i < (architectures?.Count ?? 0); i++)
        {
            var arch = architectures![i];
            var at = $"{Field}.architectures[{i}]";
            if (SeccompArchitectures.LibseccompName(arch) is null)
                throw Fail(at, $"unknown architecture \"{arch}\"");
            var token = SeccompArchitectures.Token(arch)
                ?? throw Fail(at, $"architecture \"{arch}\" is not supported by libseccomp {SeccompLibrary.Version()}");
            var rc = Libseccomp.ArchAdd(ctx, token);
            if (rc == -Errno.EEXIST)
                continue;
            // libseccomp builds one program for one byte order (db_col_arch_add).
            const int EDOM = 33;
            if (rc == -EDOM)
                throw Fail(at, $"architecture \"{arch}\" has another byte order than the native architecture");
            if (rc < 0)
                throw Fail(at, $"add architecture \"{arch}\": {Describe(-rc)}");
        }
    }

    private static void AddSyscall(void* ctx, LinuxSyscall? call, string at, uint defaultAction,
        List<string> skipped, List<string> warnings)
    {
        if (call is null)
            throw Fail(at, "must not be null");
        if (call.Names is not { Count: > 0 })
            throw Fail($"{at}.names", "must not be empty");
        var action = SeccompActions.Parse(call.Action, call.ErrnoRet, $"{at}.action", $"{at}.errnoRet");
        var conditions = Conditions(call.Args, at);
        // The default action applies anyway, and libseccomp refuses such a rule (EACCES).
        if (action == defaultAction)
            return;

        // Two tests of one argument cannot be ANDed by libseccomp; runc then ORs them, one
        // rule per condition, and so do we, so a profile means the same under both runtimes.
        var oneRuleEach = conditions.GroupBy(c => c.Arg).Any(g => g.Count() > 1);
        for (var j = 0; j < call.Names.Count; j++)
        {
            var name = call.Names[j];
            if (string.IsNullOrEmpty(name))
                throw Fail($"{at}.names[{j}]", "must not be empty");
            var nr = Libseccomp.SyscallResolveName(name);
            if (nr == Libseccomp.NR_SCMP_ERROR)
            {
                // Likely newer than this libseccomp; runc skips it too, rather than refuse the container.
                if (!skipped.Contains(name))
                    skipped.Add(name);
                warnings.Add($"seccomp: unknown syscall \"{name}\" in {at} ignored (not known to libseccomp {SeccompLibrary.Version()})");
                continue;
            }

            if (oneRuleEach)
            {
                foreach (var condition in conditions)
                    AddRule(ctx, action, nr, [condition], at, name);
            }
            else
            {
                AddRule(ctx, action, nr, conditions, at, name);
            }
        }
    }

    private static Libseccomp.ScmpArgCmp[] Conditions(List<LinuxSeccompArg>? args, string at)
    {
        if (args is null)
            return [];
        var conditions = new Libseccomp.ScmpArgCmp[args.Count];
        for (var k = 0; k < args.Count; k++)
        {
            var arg = args[k] ?? throw Fail($"{at}.args[{k}]", "must not be null");
            if (arg.Index >= MaxSyscallArgs)
                throw Fail($"{at}.args[{k}].index", $"must be less than {MaxSyscallArgs}");
            var op = SeccompActions.Operator(arg.Op) ?? throw Fail($"{at}.args[{k}].op", $"unknown operator \"{arg.Op}\"");
            // MASKED_EQ: (arg & value) == valueTwo; the other operators ignore the second datum.
            conditions[k] = new Libseccomp.ScmpArgCmp { Arg = arg.Index, Op = op, DatumA = arg.Value, DatumB = arg.ValueTwo };
        }

        return conditions;
    }

    private static void AddRule(void* ctx, uint action, int nr, Libseccomp.ScmpArgCmp[] conditions, string at, string name)
    {
        int rc;
        fixed (Libseccomp.ScmpArgCmp* cmp = conditions)
            rc = Libseccomp.RuleAddArray(ctx, action, nr, (uint)conditions.Length, cmp);
        if (rc < 0)
            throw Fail(at, $"add rule for syscall \"{name}\": {Describe(-rc)}");
    }

    private static byte[] Export(void* ctx)
    {
        // libseccomp 2.5 exports to a file descriptor only (seccomp_export_bpf_mem came in 2.6).
        var fd = Libc.MemfdCreate("berth-seccomp", MFD_CLOEXEC);
        if (fd < 0)
            throw LinuxException.FromLastError("memfd_create", "berth-seccomp");
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        Check(Libseccomp.ExportBpf(ctx, fd), "seccomp: export the filter");

        var bytes = new byte[RandomAccess.GetLength(handle)];
        var done = 0;
        while (done < bytes.Length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(done), done);
            if (n == 0)
                throw new RuntimeException("seccomp: export the filter: short read");
            done += n;
        }

        return bytes;
    }

    private static void Check(int rc, string what)
    {
        if (rc < 0)
            throw new RuntimeException($"{what}: {Describe(-rc)}");
    }

    private static string Describe(int errno) => $"{Errno.Describe(errno)} ({Errno.Name(errno)})";
}
