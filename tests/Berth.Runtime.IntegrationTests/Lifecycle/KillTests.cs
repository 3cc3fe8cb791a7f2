using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Lifecycle;

public sealed class KillTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeTheory]
    [InlineData("KILL")]
    [InlineData("SIGKILL")]
    [InlineData("9")]
    public void Kill_accepts_a_signal_by_name_prefixed_name_or_number(string signal)
    {
        var id = NewId("kn");
        MustRunDetached(NewBundle().Args("/bin/sleep", "30"), id);
        Cleanup.Process(Pid(id));
        Must(Rt("kill", id, signal));
        WaitForStatus(id, "stopped");
    }

    [RuntimeFact]
    public void Kill_defaults_to_SIGTERM()
    {
        // pid 1 with a TERM handler: the default signal reaches it and the trap runs
        var bundle = NewBundle().Shell("trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.1; done");
        var id = NewId("kt");
        MustRunDetached(bundle, id);
        WaitForOutput(bundle, "ready");
        Must(Rt("kill", id));
        WaitForStatus(id, "stopped");
        Assert.Contains("got-term", bundle.ReadStdout());
    }

    [RuntimeFact]
    public void Kill_all_signals_every_process_in_the_container()
    {
        // pid 1 (sh) ignores SIGTERM as an init without a handler; its children do not. Only
        // --all reaches them, and when they die `wait` returns and the container stops.
        var bundle = NewBundle().Shell("sleep 100 & sleep 100 & echo ready; wait; echo children-gone");
        var id = NewId("ka");
        MustRunDetached(bundle, id);
        WaitForOutput(bundle, "ready");

        Must(Rt("kill", "--all", id, "TERM"));
        WaitForStatus(id, "stopped");
        Assert.Contains("children-gone", bundle.ReadStdout());
        Assert.Empty(Cleanup.CgroupDirs(CgroupsPathFor(id)).SelectMany(d => Cleanup.ReadPids(Path.Combine(d, "cgroup.procs"))));
    }

    [RuntimeFact]
    public void Kill_of_a_created_container_stops_it()
    {
        var id = NewId("kc");
        MustCreate(NewBundle().Args("/bin/sleep", "30"), id);
        Must(Rt("kill", id, "KILL"));
        WaitForStatus(id, "stopped");
    }

    [RuntimeFact]
    public void Kill_of_an_unknown_container_fails()
    {
        Assert.NotEqual(0, Rt("kill", NewId("nope"), "KILL").ExitCode);
    }

    [RuntimeFact]
    public void Kill_with_an_unknown_signal_fails_and_leaves_the_container_running()
    {
        var id = NewId("kx");
        MustRunDetached(NewBundle().Args("/bin/sleep", "30"), id);
        Assert.NotEqual(0, Rt("kill", id, "SIGNOTASIGNAL").ExitCode);
        Assert.Equal("running", Status(id));
    }

    private static void WaitForOutput(BusyboxBundle bundle, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!bundle.ReadStdout().Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"container never printed '{text}'");
            Thread.Sleep(20);
        }
    }
}
