using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>`pause` freezes every process of the container through the freezer cgroup; `resume` thaws them.</summary>
public sealed class PauseResumeTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(400);

    /// <summary>A container whose init bumps a counter in /tmp/count every 20 ms: progress is visible from the host.</summary>
    private (string Id, string CountFile) RunningCounter()
    {
        var bundle = NewBundle().Shell("i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.02; done");
        var id = NewId("pause");
        MustRunDetached(bundle, id);
        WaitForStatus(id, "running");
        var count = Path.Combine(bundle.Rootfs, "tmp", "count");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!File.Exists(count) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        return (id, count);
    }

    /// <summary>True once <paramref name="pid"/> is gone or a zombie (its reaper, pid 1 of the host, may not have run yet).</summary>
    private static bool ProcessGone(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var stat = ProcessRunner.ReadText($"/proc/{pid}/stat");
            var state = stat.Length == 0 ? "" : stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            if (state is "" or "Z" or "X")
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }
    }

    private static string Count(string file) => ProcessRunner.ReadText(file).Trim();

    private static string FreezerState(string cgroup) =>
        CgroupFiles.IsUnified
            ? (CgroupFiles.Read(cgroup, "freezer", "", "cgroup.events").Contains("frozen 1", StringComparison.Ordinal) ? "FROZEN" : "THAWED")
            : CgroupFiles.Read(cgroup, "freezer", "freezer.state", "");

    [RuntimeFact]
    public void Pause_reports_paused_and_freezes_the_processes()
    {
        var (id, count) = RunningCounter();
        Must(Rt("pause", id));
        Assert.Equal("paused", Status(id));
        Assert.Equal("FROZEN", FreezerState(CgroupsPathFor(id)));
        var before = Count(count);
        Thread.Sleep(s_tick);
        Assert.Equal(before, Count(count));
    }

    [RuntimeFact]
    public void Pause_of_a_paused_container_fails()
    {
        var (id, _) = RunningCounter();
        Must(Rt("pause", id));
        var again = Rt("pause", id);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Equal("paused", Status(id));
    }

    [RuntimeFact]
    public void Resume_returns_a_paused_container_to_running()
    {
        var (id, count) = RunningCounter();
        Must(Rt("pause", id));
        Must(Rt("resume", id));
        Assert.Equal("running", Status(id));
        Assert.Equal("THAWED", FreezerState(CgroupsPathFor(id)));
        var before = Count(count);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Count(count) == before && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.NotEqual(before, Count(count));
    }

    [RuntimeFact]
    public void Delete_force_of_a_paused_container_removes_it_and_its_cgroup()
    {
        var (id, _) = RunningCounter();
        var init = Pid(id);
        Must(Rt("pause", id));
        var r = Rt(new ExecOptions { Timeout = TimeSpan.FromSeconds(20) }, "delete", "--force", id);
        Assert.True(r.Succeeded, r.ToString());
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(5), $"delete --force of a paused container took {r.Elapsed.TotalSeconds:F1} s");
        Assert.False(Rt("state", id).Succeeded, "the container is still there");
        Assert.True(ProcessGone(init, TimeSpan.FromSeconds(2)), $"init {init} still alive");
        Assert.Empty(Cleanup.CgroupDirs(CgroupsPathFor(id)));
    }
}
