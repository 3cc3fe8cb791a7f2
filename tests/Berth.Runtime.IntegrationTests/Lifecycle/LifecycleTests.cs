using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Lifecycle;

public sealed class LifecycleTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Create_start_kill_delete_walks_through_created_running_stopped()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("life");

        MustCreate(bundle, id);
        var created = State(id);
        Assert.Equal("created", (string?)created["status"]);
        Assert.Equal(id, (string?)created["id"]);
        var pid = (int)created["pid"]!;
        Assert.True(pid > 0, "a created container has the pid of its init");
        Assert.True(Directory.Exists($"/proc/{pid}"), "the init process exists while created");
        Assert.Equal(bundle.Path, (string?)created["bundle"]);

        Must(Rt("start", id));
        Assert.Equal("running", Status(id));

        Must(Rt("kill", id, "KILL"));
        WaitForStatus(id, "stopped");

        Must(Rt("delete", id));
        Assert.False(Rt("state", id).Succeeded, "state of a deleted container fails");
        Assert.False(Directory.Exists(Path.Combine(Root, id)), "the container's state dir is gone after delete");
    }

    [RuntimeFact]
    public void Run_exit_status_is_the_containers()
    {
        var r = RunForeground(NewBundle().Shell("exit 42"));
        Assert.Equal(42, r.ExitCode);
    }

    [RuntimeFact]
    public void Run_of_a_successful_process_exits_0_and_removes_the_container()
    {
        var id = NewId("ok");
        var r = RunForeground(NewBundle().Args("/bin/true"), id);
        Assert.Equal(0, r.ExitCode);
        Assert.False(Rt("state", id).Succeeded, "run deletes the container when it exits");
    }

    [RuntimeFact]
    public void Killed_by_SIGKILL_reports_137()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("k9");
        var run = Task.Run(() => RunForeground(bundle, id));
        WaitForStatus(id, "running");
        Must(Rt("kill", id, "KILL"));
        Assert.True(run.Wait(TimeSpan.FromSeconds(15)), "run returns once its container is killed");
        Assert.Equal(128 + 9, run.Result.ExitCode);
    }

    [RuntimeFact]
    public void Killed_by_SIGTERM_outside_a_pid_namespace_reports_143()
    {
        // pid 1 of a pid namespace ignores signals it has no handler for, so SIGTERM needs a
        // process that is not an init
        var bundle = NewBundle().Args("/bin/sleep", "30");
        bundle.RemoveNamespace("pid");
        var id = NewId("k15");
        var run = Task.Run(() => RunForeground(bundle, id));
        WaitForStatus(id, "running");
        Must(Rt("kill", id, "TERM"));
        Assert.True(run.Wait(TimeSpan.FromSeconds(15)), "run returns once its container is killed");
        Assert.Equal(128 + 15, run.Result.ExitCode);
    }

    [RuntimeFact]
    public void Run_detach_returns_at_once_and_leaves_the_container_running()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("det");
        var r = RunDetached(bundle, id);
        Assert.True(r.Succeeded, r.ToString());
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(10), "run --detach does not wait for the container");
        Assert.Equal("running", Status(id));
        Cleanup.Process(Pid(id));
    }

    [RuntimeFact]
    public void Pid_file_holds_the_init_pid()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("pidf");
        var pidFile = Path.Combine(Dir, "init.pid");
        MustCreate(bundle, id, "--pid-file", pidFile);
        var text = File.ReadAllText(pidFile);
        Assert.Equal(Pid(id).ToString(System.Globalization.CultureInfo.InvariantCulture), text.Trim());
        Assert.DoesNotContain('\n', text.TrimEnd('\n'));
    }

    [RuntimeFact]
    public void Pid_file_of_run_detach_holds_the_init_pid()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("pidd");
        var pidFile = Path.Combine(Dir, "detached.pid");
        MustRunDetached(bundle, id, "--pid-file", pidFile);
        Assert.Equal(Pid(id).ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(pidFile).Trim());
    }

    [RuntimeFact]
    public void Delete_of_a_running_container_is_refused_without_force()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("delr");
        MustRunDetached(bundle, id);
        var pid = Pid(id);
        Cleanup.Process(pid);

        Assert.False(Rt("delete", id).Succeeded, "delete of a running container must fail");
        Assert.Equal("running", Status(id));
        Assert.True(Directory.Exists($"/proc/{pid}"), "the refused delete left the process alone");
    }

    [RuntimeFact]
    public void Delete_force_kills_and_removes_a_running_container()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("delf");
        MustRunDetached(bundle, id);
        var pid = Pid(id);
        var start = Cleanup.StartTime(pid);
        Cleanup.Process(pid);

        Must(Rt("delete", "--force", id));
        Assert.False(Rt("state", id).Succeeded, "state fails after delete --force");
        Assert.False(Directory.Exists(Path.Combine(Root, id)), "state dir removed");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Cleanup.StartTime(pid) == start && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.NotEqual(start, Cleanup.StartTime(pid));
        Assert.Empty(Cleanup.CgroupDirs(CgroupsPathFor(id)).SelectMany(d => Cleanup.ReadPids(Path.Combine(d, "cgroup.procs"))));
    }

    [RuntimeFact]
    public void Delete_force_removes_a_created_container()
    {
        var bundle = NewBundle().Args("/bin/true");
        var id = NewId("delc");
        MustCreate(bundle, id);
        Must(Rt("delete", "--force", id));
        Assert.False(Rt("state", id).Succeeded);
    }

    [RuntimeFact]
    public void Start_of_a_running_container_fails()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("str");
        MustRunDetached(bundle, id);
        Assert.False(Rt("start", id).Succeeded, "start of a running container must fail");
        Assert.Equal("running", Status(id));
    }

    [RuntimeFact]
    public void Start_of_a_stopped_container_fails()
    {
        var bundle = NewBundle().Args("/bin/true");
        var id = NewId("sts");
        MustCreate(bundle, id);
        Must(Rt("start", id));
        WaitForStatus(id, "stopped");
        Assert.False(Rt("start", id).Succeeded, "start of a stopped container must fail");
    }

    [RuntimeFact]
    public void State_of_an_unknown_id_fails()
    {
        var r = Rt("state", NewId("nope"));
        Assert.NotEqual(0, r.ExitCode);
    }

    [RuntimeFact]
    public void Create_with_an_id_in_use_is_refused()
    {
        var id = NewId("dup");
        var first = NewBundle().Args("/bin/sleep", "30");
        MustCreate(first, id);
        var pid = Pid(id);

        var second = NewBundle().Args("/bin/sleep", "30");
        var r = Create(second, id);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("created", Status(id));
        Assert.Equal(pid, Pid(id));
        Assert.Equal(first.Path, (string?)State(id)["bundle"]);
    }

    [RuntimeFact]
    public void Start_runs_the_process_and_its_output_reaches_the_create_stdio()
    {
        var bundle = NewBundle().Shell("echo hello-from-start");
        Assert.Equal("hello-from-start\n", CreateStartAndWait(bundle));
    }
}
