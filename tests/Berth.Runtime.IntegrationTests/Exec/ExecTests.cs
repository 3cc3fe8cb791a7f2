using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Exec;

public sealed class ExecTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private string RunningSleeper()
    {
        var id = NewId("exec");
        MustRunDetached(NewBundle().Args("/bin/sleep", "60"), id);
        WaitForStatus(id, "running");
        return id;
    }

    [RuntimeFact]
    public void Exec_exit_status_is_the_processes()
    {
        var id = RunningSleeper();
        Assert.Equal(7, Rt("exec", id, "sh", "-c", "exit 7").ExitCode);
    }

    [RuntimeFact]
    public void Exec_joins_every_namespace_of_the_container()
    {
        var id = RunningSleeper();
        var init = Pid(id);
        foreach (var ns in new[] { "pid", "net", "ipc", "uts", "mnt", "cgroup" })
        {
            var inside = Must(Rt("exec", id, "readlink", $"/proc/self/ns/{ns}")).Stdout.Trim();
            var container = new FileInfo($"/proc/{init}/ns/{ns}").LinkTarget;
            Assert.Equal(container, inside);
        }
    }

    [RuntimeFact]
    public void Exec_process_is_in_the_containers_cgroup()
    {
        var id = RunningSleeper();
        var inside = Must(Rt("exec", id, "sh", "-c", "echo $$; sleep 1")).Stdout.Trim();
        var pidsCgroup = File.ReadAllLines($"/proc/{Pid(id)}/cgroup").First(l => l.Contains(":pids:"));
        Assert.NotEmpty(inside);
        var procs = Must(Rt("ps", "--format", "json", id)).Stdout;
        Assert.Contains(Pid(id).ToString(System.Globalization.CultureInfo.InvariantCulture), procs);
        Assert.Contains(":pids:", pidsCgroup);
    }

    [RuntimeFact]
    public void Exec_sees_the_containers_root_and_hostname()
    {
        var id = RunningSleeper();
        Assert.NotEqual(Environment.MachineName, Must(Rt("exec", id, "hostname")).Stdout.Trim());
        Assert.Contains("busybox", Must(Rt("exec", id, "ls", "/bin")).Stdout);
    }

    [RuntimeFact]
    public void Exec_with_user_and_cap_keeps_inheritable_and_ambient_empty()
    {
        var id = RunningSleeper();
        var status = Must(Rt("exec", "--cap", "CAP_SYS_ADMIN", id, "cat", "/proc/self/status")).Stdout;
        Assert.Contains("CapInh:\t0000000000000000", status);
        Assert.Contains("CapAmb:\t0000000000000000", status);
        var ids = Must(Rt("exec", "--user", "1000:1000", id, "id")).Stdout;
        Assert.Contains("uid=1000", ids);
    }

    [RuntimeFact]
    public void Exec_into_a_stopped_container_is_refused()
    {
        var id = NewId("exec");
        MustRunDetached(NewBundle().Args("/bin/true"), id);
        WaitForStatus(id, "stopped");
        var r = Rt("exec", id, "true");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("stopped", r.Stderr);
    }

    [RuntimeFact]
    public void Exec_cwd_through_a_leaked_fd_is_refused_or_inside_the_container()
    {
        var id = RunningSleeper();
        for (var fd = 3; fd <= 12; fd++)
        {
            var r = Rt("exec", "--cwd", $"/proc/self/fd/{fd}", id, "sh", "-c", "pwd; ls ..");
            if (r.ExitCode == 0)
                Assert.DoesNotContain("(unreachable)", r.Stdout);
        }
    }

    [RuntimeFact]
    public void Exec_detach_writes_the_pid_file()
    {
        var id = RunningSleeper();
        var pidFile = Path.Combine(Dir, "exec.pid");
        Must(Rt("exec", "--detach", "--pid-file", pidFile, id, "sleep", "5"));
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{pid}"), "the detached exec process runs");
    }
}
