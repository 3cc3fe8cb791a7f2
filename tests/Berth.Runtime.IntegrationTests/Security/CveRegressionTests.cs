using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Security;

/// <summary>The create/run cases of security-baseline §2: each test names the CVE it guards against.</summary>
public sealed class CveRegressionTests(ITestOutputHelper output) : RuntimeTest(output)
{
    public static TheoryData<int> FdNumbers => [.. Enumerable.Range(3, 18)];

    /// <summary>CVE-2024-21626: a leaked host directory fd used as cwd put the process on the host.</summary>
    [RuntimeTheory]
    [MemberData(nameof(FdNumbers))]
    public void CVE_2024_21626_cwd_through_proc_self_fd_is_refused_or_inside_the_container(int fd)
    {
        // from a cwd outside the container, `cd ..` climbs to the host's / (no marker); inside it stops at the container's /
        var bundle = NewBundle().Shell(
            $"cd ../../../../../../../../..; if [ -e {BusyboxBundle.RootfsMarker} ]; then echo INSIDE; else echo OUTSIDE; ls; fi");
        bundle.Process["cwd"] = $"/proc/self/fd/{fd}";
        var r = RunForeground(bundle);
        Assert.DoesNotContain("OUTSIDE", r.Stdout);
        Assert.True(r.Succeeded ? r.Stdout == "INSIDE\n" : r.Stdout.Length == 0, r.ToString());
    }

    /// <summary>CVE-2024-21626: between create and start, init holds no fd on a host directory or file.</summary>
    [RuntimeFact]
    public void CVE_2024_21626_init_holds_only_stdio_pipes_sockets_and_the_exec_fifo_before_start()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("fds");
        MustCreate(bundle, id);
        var pid = Pid(id);

        var offending = new List<string>();
        foreach (var entry in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var fd) || fd <= 2)
            {
                continue;
            }

            var target = new FileInfo(entry).LinkTarget ?? "";
            Log($"init fd {fd} -> {target}");
            if (target.StartsWith("pipe:", StringComparison.Ordinal) || target.StartsWith("socket:", StringComparison.Ordinal) ||
                target.StartsWith("anon_inode:", StringComparison.Ordinal))
            {
                continue;
            }

            // the exec fifo (a named pipe) and character devices (/dev/null, a pty) are fine
            var type = Native.Stat(entry)?.Type;
            if (type is Native.S_IFIFO or Native.S_IFCHR)
            {
                continue;
            }

            offending.Add($"{fd} -> {target} ({(type == Native.S_IFDIR ? "directory" : type == Native.S_IFREG ? "regular file" : "type " + type)})");
        }

        Assert.True(offending.Count == 0, "init leaks host fds: " + string.Join("; ", offending));
    }

    /// <summary>CVE-2019-5736: the binary behind /proc/&lt;init&gt;/exe must not be writable while the container waits in create.</summary>
    [RuntimeFact]
    public void CVE_2019_5736_init_exe_cannot_be_opened_for_writing_while_created()
    {
        var before = Sha256(Runtime.Binary);
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("exe");
        MustCreate(bundle, id);
        var pid = Pid(id);
        var exe = $"/proc/{pid}/exe";
        Log($"{exe} -> {new FileInfo(exe).LinkTarget}");

        AssertNotWritable(exe);

        // an O_PATH handle reopened through /proc/self/fd must not give write access either,
        // neither while init runs the runtime nor once it has executed the user process (when
        // nothing keeps the runtime's image busy any more: the attack's moment)
        var path = Native.Open(exe, Native.O_PATH | Native.O_CLOEXEC, 0);
        try
        {
            if (path >= 0)
                AssertNotWritable($"/proc/self/fd/{path}");
            Must(Rt("start", id));
            WaitForStatus(id, "running");
            if (path >= 0)
                AssertNotWritable($"/proc/self/fd/{path}");
        }
        finally
        {
            if (path >= 0)
                Native.Close(path);
        }

        Must(Rt("delete", "--force", id));
        Assert.Equal(before, Sha256(Runtime.Binary));
    }

    /// <summary>CVE-2025-31133: masking must not bind-mount what an image's /dev/null symlink points at.</summary>
    [RuntimeFact]
    public void CVE_2025_31133_dev_null_symlink_in_the_image_is_not_used_for_masking()
    {
        // the container writes what it reads into its own rootfs: stdio that a runtime reopens
        // through the image's /dev/null would otherwise hide the result
        var bundle = NewBundle().Shell("{ head -c 200 /proc/timer_list; echo end; } > /result");
        File.WriteAllText(Path.Combine(bundle.Rootfs, "masking-target"), "TARGET-CONTENT\n");
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "dev", "null"), "/masking-target");
        bundle.RemoveMounts("/dev");
        bundle.Linux["maskedPaths"] = new JsonArray("/proc/timer_list");
        var stdin = Path.Combine(Dir, "empty-stdin");
        File.WriteAllText(stdin, "");

        var r = RunForeground(bundle, options: new ExecOptions { StdinPath = stdin });
        var result = ProcessRunner.ReadText(Path.Combine(bundle.Rootfs, "result"));
        Log("result: " + result);
        Assert.DoesNotContain("TARGET-CONTENT", result);
        if (r.Succeeded)
        {
            Assert.Equal("end\n", result);
        }
    }

    /// <summary>CVE-2019-16884 / CVE-2019-19921 / CVE-2023-27561: a /proc that is a symlink is refused.</summary>
    [RuntimeFact]
    public void CVE_2023_27561_symlinked_proc_in_the_image_is_refused()
    {
        var bundle = NewBundle().Args("/bin/echo", "started");
        Directory.Delete(Path.Combine(bundle.Rootfs, "proc"));
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "fakeproc"));
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "proc"), "/fakeproc");

        var r = RunForeground(bundle);
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("started", r.Stdout);
    }

    /// <summary>runc "mask paths [prohibit symlink /sys]": a /sys that is a symlink is refused.</summary>
    [RuntimeFact]
    public void Symlinked_sys_in_the_image_is_refused()
    {
        var bundle = NewBundle().Args("/bin/echo", "started");
        Directory.Delete(Path.Combine(bundle.Rootfs, "sys"));
        Directory.CreateDirectory(Path.Combine(bundle.Rootfs, "fakesys"));
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "sys"), "/fakesys");

        var r = RunForeground(bundle);
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("started", r.Stdout);
    }

    /// <summary>CVE-2019-16884: a mount on /proc (which would fake procfs under the runtime's writes) is refused.</summary>
    [RuntimeFact]
    public void CVE_2019_16884_mount_over_proc_is_refused()
    {
        var bundle = NewBundle().Args("/bin/echo", "started");
        bundle.AddMount("/proc", "tmpfs", "tmpfs", "size=64k");
        var r = RunForeground(bundle);
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("started", r.Stdout);
    }

    /// <summary>CVE-2019-16884: a bind mount below /proc (here /proc/sys) is refused.</summary>
    [RuntimeFact]
    public void CVE_2019_16884_bind_mount_below_proc_is_refused()
    {
        var fake = Directory.CreateDirectory(Path.Combine(Dir, "fake-sys")).FullName;
        var bundle = NewBundle().Args("/bin/echo", "started");
        bundle.AddMount("/proc/sys", "bind", fake, "bind");
        var r = RunForeground(bundle);
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("started", r.Stdout);
    }

    /// <summary>CVE-2026-41579: preparing /dev through an image's /dev symlink must not write where it points.</summary>
    [RuntimeFact]
    public void CVE_2026_41579_dev_symlink_in_the_image_creates_nothing_where_it_points()
    {
        var victim = Directory.CreateDirectory(Path.Combine(Dir, "host-dev-victim")).FullName;
        var bundle = NewBundle().Args("/bin/echo", "started");
        Directory.Delete(Path.Combine(bundle.Rootfs, "dev"));
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "dev"), victim);
        bundle.RemoveMounts("/dev");

        RunForeground(bundle);
        var created = Directory.EnumerateFileSystemEntries(victim).Select(Path.GetFileName).ToList();
        Assert.True(created.Count == 0, $"the runtime created {string.Join(", ", created)} in the host dir the image's /dev points at");
    }

    /// <summary>CVE-2026-41579, with /dev a tmpfs as usual: the symlink is mounted over inside the rootfs, never followed out.</summary>
    [RuntimeFact]
    public void CVE_2026_41579_dev_symlink_with_a_dev_tmpfs_mounts_nothing_on_the_host()
    {
        var victim = Directory.CreateDirectory(Path.Combine(Dir, "host-dev-victim")).FullName;
        var bundle = NewBundle().Args("/bin/echo", "started");
        Directory.Delete(Path.Combine(bundle.Rootfs, "dev"));
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "dev"), victim);

        RunForeground(bundle);
        Assert.Empty(Directory.EnumerateFileSystemEntries(victim));
        Assert.DoesNotContain(Cleanup.MountPoints(), m => m.StartsWith(victim, StringComparison.Ordinal));
    }

    private static void AssertNotWritable(string path)
    {
        var fd = Native.Open(path, Native.O_WRONLY | Native.O_CLOEXEC, 0);
        var errno = Marshal.GetLastPInvokeError();
        if (fd >= 0)
        {
            Native.Close(fd);
            Assert.Fail($"{path} opened for writing: the runtime binary is exposed (CVE-2019-5736)");
        }

        Assert.True(errno is Native.ETXTBSY or Native.EACCES or Native.EROFS or Native.EPERM, $"open {path} O_WRONLY failed with errno {errno}, expected ETXTBSY, EACCES, EROFS or EPERM");
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
