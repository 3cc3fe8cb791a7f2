using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>SEC-RL-3: a container over linux.resources.memory (limit = swap, so it cannot swap) is OOM-killed, and says so.</summary>
public sealed class MemoryLimitTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private const long Limit = 32L * 1024 * 1024;

    /// <summary>dd allocates its 64 MiB block buffer and fills it: twice the limit.</summary>
    private static readonly string[] s_overTheLimit = ["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"];

    private static void LimitMemory(BusyboxBundle bundle)
    {
        var resources = bundle.Linux["resources"] as JsonObject ?? (JsonObject)(bundle.Linux["resources"] = new JsonObject());
        resources["memory"] = new JsonObject { ["limit"] = Limit, ["swap"] = Limit };
    }

    [RuntimeFact]
    public void Memory_limit_exceeded_kills_the_container_and_run_exits_137()
    {
        var bundle = NewBundle().Args(s_overTheLimit);
        LimitMemory(bundle);
        var r = RunForeground(bundle);
        Assert.True(r.ExitCode == 137, $"expected 137 (SIGKILL by the OOM killer)\n{r}");
    }

    [RuntimeFact]
    public void Memory_limit_exceeded_is_reported_as_an_oom_event()
    {
        // the container waits for /tmp/go, so `events` is listening before the allocation
        var bundle = NewBundle().Shell($"while [ ! -e /tmp/go ]; do sleep 0.05; done; exec {string.Join(' ', s_overTheLimit)}");
        LimitMemory(bundle);
        var id = NewId("oom");
        MustRunDetached(bundle, id);
        WaitForStatus(id, "running");
        using var events = BackgroundCommand.StartRuntime(Runtime, Root, Dir, Cleanup, "events", id);
        Thread.Sleep(500);
        File.WriteAllText(Path.Combine(bundle.Rootfs, "tmp", "go"), "");

        var line = events.WaitForLine(l => l.Contains("\"oom\"", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.True(line is not null, $"no oom event\n{events}");
        var oom = JsonNode.Parse(line)!.AsObject();
        Assert.Equal("oom", (string?)oom["type"]);
        Assert.Equal(id, (string?)oom["id"]);
        WaitForStatus(id, "stopped");
    }
}
