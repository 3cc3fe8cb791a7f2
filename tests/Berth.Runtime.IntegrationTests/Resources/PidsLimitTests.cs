using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>SEC-RL-2: linux.resources.pids.limit caps the container's task count.</summary>
public sealed class PidsLimitTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Fork_bomb_under_a_pids_limit_of_32_is_contained()
    {
        var bundle = NewBundle().Shell("bomb() { bomb | bomb & }; bomb; sleep 600");
        var resources = bundle.Linux["resources"] as JsonObject ?? (JsonObject)(bundle.Linux["resources"] = new JsonObject());
        resources["pids"] = new JsonObject { ["limit"] = 32 };
        var id = NewId("bomb");
        var cgroup = CgroupsPathFor(id);
        MustRunDetached(bundle, id);

        Assert.Equal("32", CgroupFiles.Read(cgroup, "pids", "pids.max", "pids.max"));
        // busybox ash gives up when a fork fails, so the bomb may burn out on its own: its trace is
        // pids.events "max N", the count of forks refused at the limit (pids.current is transient)
        var sampling = Stopwatch.StartNew();
        var refused = "";
        while (sampling.Elapsed < TimeSpan.FromSeconds(10))
        {
            var current = int.Parse(CgroupFiles.Read(cgroup, "pids", "pids.current", "pids.current"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(current <= 32, $"pids.current {current} over pids.max 32");
            refused = CgroupFiles.Read(cgroup, "pids", "pids.events", "pids.events");
            if (System.Text.RegularExpressions.Regex.IsMatch(refused, @"max [1-9]"))
            {
                break;
            }

            Thread.Sleep(20);
        }

        Assert.Matches(@"max [1-9]", refused);

        // the host still forks while the bomb runs
        using (var host = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!)
        {
            Assert.True(host.WaitForExit(5000), "the host could not run /bin/true within 5 s");
        }

        // and the runtime takes it all down in bounded time
        var delete = Rt(new ExecOptions { Timeout = TimeSpan.FromSeconds(20) }, "delete", "--force", id);
        Assert.True(delete.Succeeded, delete.ToString());
        Assert.True(delete.Elapsed < TimeSpan.FromSeconds(10), $"delete --force of the fork bomb took {delete.Elapsed.TotalSeconds:F1} s");
        Assert.Empty(CgroupFiles.Procs(cgroup));
    }
}
