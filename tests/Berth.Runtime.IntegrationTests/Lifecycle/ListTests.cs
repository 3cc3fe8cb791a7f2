using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Lifecycle;

public sealed class ListTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void List_shows_every_container_with_its_status()
    {
        var created = NewId("lc");
        var running = NewId("lr");
        MustCreate(NewBundle().Args("/bin/sleep", "30"), created);
        MustRunDetached(NewBundle().Args("/bin/sleep", "30"), running);

        // a header line, then one line per container starting with its id
        var lines = Must(Rt("list")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var createdLine = Assert.Single(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == created);
        var runningLine = Assert.Single(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == running);
        Assert.Contains("created", createdLine);
        Assert.Contains("running", runningLine);
    }

    [RuntimeFact]
    public void List_format_json_is_an_array_of_container_states()
    {
        var id = NewId("lj");
        var bundle = NewBundle().Args("/bin/sleep", "30");
        MustRunDetached(bundle, id);

        var json = JsonNode.Parse(Must(Rt("list", "--format", "json")).Stdout)!.AsArray();
        var entry = Assert.Single(json, e => (string?)e!["id"] == id)!;
        Assert.Equal("running", (string?)entry["status"]);
        Assert.Equal(Pid(id), (int)entry["pid"]!);
        Assert.Equal(bundle.Path, (string?)entry["bundle"]);
    }

    [RuntimeFact]
    public void List_of_an_empty_root_has_no_containers()
    {
        var text = Must(Rt("list", "--format", "json")).Stdout.Trim();
        var json = text.Length == 0 ? null : JsonNode.Parse(text);
        Assert.True(json is null || json.AsArray().Count == 0, $"expected no containers, got: {text}");
    }
}
