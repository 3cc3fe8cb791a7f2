using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Security;

/// <summary>
/// linux.seccomp from config.json: a compact allow-list profile (defaultAction SCMP_ACT_ERRNO, so
/// anything not listed fails with EPERM). The list is what busybox sh, its applets and a runtime that
/// installs the filter before its last setup steps need; mkdir and mkdirat are left out on purpose.
/// </summary>
public sealed class SeccompTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private static readonly string[] s_allowed =
    [
        "read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "openat2", "close", "close_range",
        "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "lseek", "access", "faccessat", "faccessat2",
        "readlink", "readlinkat", "getdents", "getdents64", "getcwd", "chdir", "fchdir", "rename", "renameat", "renameat2",
        "unlink", "unlinkat", "fcntl", "ioctl", "dup", "dup2", "dup3", "pipe", "pipe2", "umask", "fchown", "fchmod",
        "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "execve", "execveat", "exit", "exit_group",
        "clone", "clone3", "fork", "vfork", "wait4", "waitid", "kill", "tgkill", "tkill",
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack",
        "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
        "setuid", "setgid", "setresuid", "setresgid", "setgroups", "setsid", "setpgid", "getpgid", "getpgrp",
        "capget", "capset", "prctl", "arch_prctl", "set_tid_address", "set_robust_list", "get_robust_list", "rseq",
        "prlimit64", "getrlimit", "setrlimit", "uname", "sysinfo", "getrandom", "futex", "futex_waitv",
        "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
        "sched_getaffinity", "sched_yield", "poll", "ppoll", "select", "pselect6",
        "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "eventfd2", "membarrier",
        "socket", "connect", "sendto", "sendmsg", "recvfrom", "recvmsg", "getsockopt", "setsockopt", "socketpair",
    ];

    private BusyboxBundle WithSeccomp(string script, string defaultAction = "SCMP_ACT_ERRNO", string allowAction = "SCMP_ACT_ALLOW", params string[] extraNames)
    {
        var bundle = NewBundle().Shell(script);
        bundle.Linux["seccomp"] = new JsonObject
        {
            ["defaultAction"] = defaultAction,
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            ["syscalls"] = new JsonArray
            {
                new JsonObject
                {
                    ["names"] = new JsonArray(s_allowed.Concat(extraNames).Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
                    ["action"] = allowAction,
                },
            },
        };
        return bundle;
    }

    [RuntimeFact]
    public void Seccomp_profile_puts_the_process_in_filter_mode()
    {
        var bundle = WithSeccomp("grep '^Seccomp:' /proc/self/status");
        Assert.Equal("Seccomp:\t2\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Seccomp_syscall_not_in_the_allow_list_fails_with_EPERM()
    {
        var bundle = WithSeccomp("mkdir /tmp/denied; echo rc=$?; [ -e /tmp/denied ] && echo exists; echo x > /tmp/allowed && echo write-ok");
        var r = RunForeground(bundle);
        Assert.True(r.Succeeded, r.ToString());
        Assert.Equal("rc=1\nwrite-ok\n", r.Stdout);
        Assert.Contains("Operation not permitted", r.Stderr);
    }

    [RuntimeFact]
    public void Seccomp_unknown_syscall_name_is_skipped()
    {
        var bundle = WithSeccomp("echo started", extraNames: ["berth_no_such_syscall"]);
        Assert.Equal("started\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Seccomp_unknown_action_refuses_create_and_leaves_nothing_behind()
    {
        var bundle = WithSeccomp("sleep 600", allowAction: "SCMP_ACT_BERTH_NO_SUCH_ACTION");
        var id = NewId("scmp");
        var r = Create(bundle, id);
        Assert.NotEqual(0, r.ExitCode);
        Assert.False(Rt("state", id).Succeeded, "state of the refused container must fail");
        Assert.DoesNotContain(id, Rt("list", "--quiet").Stdout);
        Assert.False(Path.Exists(Path.Combine(Root, id)), $"state dir {Path.Combine(Root, id)} left behind");
        Assert.Empty(Cleanup.CgroupDirs(CgroupsPathFor(id)));
    }
}
