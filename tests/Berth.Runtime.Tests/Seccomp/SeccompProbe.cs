using System.Diagnostics;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>
/// A static C program, built with gcc once per test run, that installs a compiled filter the way
/// the last mile does (no_new_privs, then seccomp(SECCOMP_SET_MODE_FILTER, flags, &amp;prog)) and
/// then makes raw syscalls, printing "op errno" for each (0 for success). Raw syscall(2) calls,
/// so that libc's choice of syscall (mkdirat for mkdir) does not hide what the filter does.
/// </summary>
internal static class SeccompProbe
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <linux/filter.h>
        #include <linux/keyctl.h>
        #include <linux/seccomp.h>
        #include <sched.h>
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/prctl.h>
        #include <sys/socket.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        static char out[8192];
        static size_t outlen;

        static void report(const char *op, long rc)
        {
            int n = snprintf(out + outlen, sizeof out - outlen, "%s %d\n", op, rc < 0 ? errno : 0);
            if (n > 0 && (size_t)n < sizeof out - outlen)
                outlen += (size_t)n;
        }

        static long run(const char *op)
        {
            const char *arg = strchr(op, ':');
            arg = arg ? arg + 1 : "";
            if (!strcmp(op, "getpid"))
                return syscall(SYS_getpid);
            if (!strcmp(op, "unshare-user"))
                return syscall(SYS_unshare, CLONE_NEWUSER);
            if (!strcmp(op, "keyctl"))
                return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
            if (!strcmp(op, "clone3"))
                return syscall(SYS_clone3, NULL, 0);
            if (!strncmp(op, "mkdir:", 6))
                return syscall(SYS_mkdir, arg, 0700);
            if (!strncmp(op, "personality:", 12))
                return syscall(SYS_personality, strtoul(arg, NULL, 0));
            if (!strncmp(op, "socket:", 7)) {
                char *end;
                long family = strtol(arg, &end, 0);
                long type = *end == ':' ? strtol(end + 1, NULL, 0) : SOCK_STREAM;
                long fd = syscall(SYS_socket, family, type, 0);
                if (fd >= 0)
                    syscall(SYS_close, fd);
                return fd;
            }
            if (!strncmp(op, "clone:", 6)) {
                long pid = syscall(SYS_clone, strtoul(arg, NULL, 0) | SIGCHLD, 0, 0, 0, 0);
                if (pid == 0)
                    syscall(SYS_exit_group, 0);
                if (pid > 0)
                    syscall(SYS_wait4, pid, 0, 0, 0);
                return pid;
            }
            fprintf(stderr, "unknown op %s\n", op);
            exit(3);
        }

        int main(int argc, char **argv)
        {
            static struct sock_filter insns[4096];
            if (argc < 3) {
                fprintf(stderr, "usage: probe FILTER FLAGS OP...\n");
                return 3;
            }
            int fd = open(argv[1], O_RDONLY);
            ssize_t n = fd < 0 ? -1 : read(fd, insns, sizeof insns);
            if (n <= 0 || n % sizeof insns[0]) {
                perror("read filter");
                return 3;
            }
            close(fd);
            struct sock_fprog prog = { .len = (unsigned short)(n / sizeof insns[0]), .filter = insns };
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                perror("prctl");
                return 3;
            }
            long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, strtoul(argv[2], NULL, 0), &prog);
            if (rc != 0) {
                fprintf(stderr, "seccomp: rc %ld: %s\n", rc, strerror(errno));
                return 2;
            }
            for (int i = 3; i < argc; i++)
                report(argv[i], run(argv[i]));
            syscall(SYS_write, 1, out, outlen);
            syscall(SYS_exit_group, 0);
        }
        """;

    private static readonly Lazy<string> s_binary = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Installs <paramref name="program"/> in a fresh probe process and runs <paramref name="ops"/>; returns each op's errno.</summary>
    public static IReadOnlyDictionary<string, int> Run(SeccompProgram program, params string[] ops)
    {
        var filter = Path.Combine(Path.GetTempPath(), $"berth-seccomp-{Guid.NewGuid():N}.bpf");
        File.WriteAllBytes(filter, program.Filter);
        try
        {
            var (exit, stdout, stderr) = Exec(s_binary.Value, [filter, $"0x{program.Flags:x}", .. ops]);
            if (exit != 0)
                throw new InvalidOperationException($"probe exited with {exit}: {stderr}");
            var results = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var space = line.LastIndexOf(' ');
                results[line[..space]] = int.Parse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }

            return results;
        }
        finally
        {
            File.Delete(filter);
        }
    }

    private static string Build()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"berth-seccomp-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        var source = Path.Combine(dir, "probe.c");
        var binary = Path.Combine(dir, "probe");
        File.WriteAllText(source, Source);
        var (exit, _, stderr) = Exec("gcc", ["-static", "-O2", "-Wall", "-Werror", "-o", binary, source]);
        if (exit != 0)
            throw new InvalidOperationException($"building the seccomp probe failed: {stderr}");
        return binary;
    }

    private static (int Exit, string Stdout, string Stderr) Exec(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderrTask.Result);
    }
}
