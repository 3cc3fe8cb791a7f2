using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>`ps --format json` is the JSON array of host pids in the container's cgroup.</summary>
public sealed class PsTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Ps_json_lists_init_and_an_execd_process()
    {
        var id = NewId("ps");
        MustRunDetached(NewBundle().Args("/bin/sleep", "600"), id);
        WaitForStatus(id, "running");
        var pidFile = Path.Combine(Dir, "exec.pid");
        Must(Rt("exec", "--detach", "--pid-file", pidFile, id, "/bin/sleep", "600"));
        var exec = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        Cleanup.Process(exec);

        var r = Must(Rt("ps", "--format", "json", id));
        var pids = JsonNode.Parse(r.Stdout)!.AsArray().Select(p => (int)p!).ToList();
        Assert.Equal(new[] { Pid(id), exec }.Order(), pids.Order());
    }
}
