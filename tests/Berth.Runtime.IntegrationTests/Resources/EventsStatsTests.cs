using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>`events --stats` prints one runc-format stats line ({"type":"stats","id":…,"data":{…}}) and exits.</summary>
public sealed class EventsStatsTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Events_stats_prints_a_stats_line_with_cpu_memory_and_pids()
    {
        var bundle = NewBundle().Args("/bin/sleep", "600");
        var resources = bundle.Linux["resources"] as JsonObject ?? (JsonObject)(bundle.Linux["resources"] = new JsonObject());
        resources["pids"] = new JsonObject { ["limit"] = 50 };
        var id = NewId("stats");
        MustRunDetached(bundle, id);
        WaitForStatus(id, "running");

        var r = Must(Rt(new ExecOptions { Timeout = TimeSpan.FromSeconds(15) }, "events", "--stats", id));
        var line = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        Assert.True(line is not null, $"no output\n{r}");
        var stats = JsonNode.Parse(line)!.AsObject();
        Assert.Equal("stats", (string?)stats["type"]);
        Assert.Equal(id, (string?)stats["id"]);
        var data = stats["data"]!.AsObject();
        Assert.True((ulong?)data["cpu"]?["usage"]?["total"] > 0, $"cpu.usage.total missing or 0\n{line}");
        Assert.True((ulong?)data["memory"]?["usage"]?["usage"] > 0, $"memory.usage.usage missing or 0\n{line}");
        Assert.Equal(1UL, (ulong?)data["pids"]?["current"]);
        Assert.Equal(50UL, (ulong?)data["pids"]?["limit"]);
    }
}
