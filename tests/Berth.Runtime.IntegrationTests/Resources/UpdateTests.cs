using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>`update` changes a running container's cgroup limits; read back from the host's cgroup files.</summary>
public sealed class UpdateTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private (string Id, string Cgroup) RunningSleeper()
    {
        var bundle = NewBundle().Args("/bin/sleep", "600");
        var resources = bundle.Linux["resources"] as JsonObject ?? (JsonObject)(bundle.Linux["resources"] = new JsonObject());
        resources["memory"] = new JsonObject { ["limit"] = 64L * 1024 * 1024 };
        resources["pids"] = new JsonObject { ["limit"] = 64 };
        resources["cpu"] = new JsonObject { ["period"] = 100000, ["quota"] = 100000 };
        var id = NewId("upd");
        MustRunDetached(bundle, id);
        WaitForStatus(id, "running");
        return (id, CgroupsPathFor(id));
    }

    private static string MemoryLimit(string cgroup) => CgroupFiles.Read(cgroup, "memory", "memory.limit_in_bytes", "memory.max");

    private static string PidsMax(string cgroup) => CgroupFiles.Read(cgroup, "pids", "pids.max", "pids.max");

    private static string CpuQuota(string cgroup) =>
        CgroupFiles.IsUnified
            ? CgroupFiles.Read(cgroup, "cpu", "", "cpu.max").Split(' ')[0]
            : CgroupFiles.Read(cgroup, "cpu", "cpu.cfs_quota_us", "");

    [RuntimeFact]
    public void Update_memory_changes_the_limit_of_a_running_container()
    {
        var (id, cgroup) = RunningSleeper();
        Assert.Equal("67108864", MemoryLimit(cgroup));
        Must(Rt("update", "--memory", "134217728", id));
        Assert.Equal("134217728", MemoryLimit(cgroup));
        Assert.Equal("running", Status(id));
    }

    [RuntimeFact]
    public void Update_pids_limit_changes_pids_max_of_a_running_container()
    {
        var (id, cgroup) = RunningSleeper();
        Must(Rt("update", "--pids-limit", "40", id));
        Assert.Equal("40", PidsMax(cgroup));
    }

    [RuntimeFact]
    public void Update_cpu_quota_changes_the_cfs_quota_of_a_running_container()
    {
        var (id, cgroup) = RunningSleeper();
        Assert.Equal("100000", CpuQuota(cgroup));
        Must(Rt("update", "--cpu-quota", "50000", id));
        Assert.Equal("50000", CpuQuota(cgroup));
    }

    [RuntimeFact]
    public void Update_with_a_resources_file_applies_every_limit_in_it()
    {
        var (id, cgroup) = RunningSleeper();
        var file = Path.Combine(Dir, "resources.json");
        File.WriteAllText(file, new JsonObject
        {
            ["memory"] = new JsonObject { ["limit"] = 100L * 1024 * 1024 },
            ["pids"] = new JsonObject { ["limit"] = 48 },
            ["cpu"] = new JsonObject { ["quota"] = 25000, ["period"] = 100000 },
        }.ToJsonString());
        Must(Rt("update", "-r", file, id));
        Assert.Equal("104857600", MemoryLimit(cgroup));
        Assert.Equal("48", PidsMax(cgroup));
        Assert.Equal("25000", CpuQuota(cgroup));
    }

    [RuntimeFact]
    public void Update_of_a_missing_container_fails_naming_it()
    {
        var id = NewId("missing");
        var r = Rt("update", "--memory", "134217728", id);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(id, r.Stderr);
    }
}
