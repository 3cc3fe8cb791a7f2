using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>linux.resources.cpu from config.json lands in the container's cgroup files.</summary>
public sealed class CpuTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private (string Id, string Cgroup) RunningWithCpu(JsonObject cpu, BusyboxBundle? bundle = null)
    {
        bundle ??= NewBundle().Args("/bin/sleep", "600");
        var resources = bundle.Linux["resources"] as JsonObject ?? (JsonObject)(bundle.Linux["resources"] = new JsonObject());
        resources["cpu"] = cpu;
        var id = NewId("cpu");
        MustRunDetached(bundle, id);
        WaitForStatus(id, "running");
        return (id, CgroupsPathFor(id));
    }

    [RuntimeFact]
    public void Cpu_shares_quota_and_period_from_the_config_land_in_the_cgroup()
    {
        var (_, cgroup) = RunningWithCpu(new JsonObject { ["shares"] = 512, ["quota"] = 20000, ["period"] = 50000 });
        if (CgroupFiles.IsUnified)
        {
            // runc's conversion: weight = 1 + ((shares - 2) * 9999) / 262142
            Assert.Equal("20", CgroupFiles.Read(cgroup, "cpu", "", "cpu.weight"));
            Assert.Equal("20000 50000", CgroupFiles.Read(cgroup, "cpu", "", "cpu.max"));
        }
        else
        {
            Assert.Equal("512", CgroupFiles.Read(cgroup, "cpu", "cpu.shares", ""));
            Assert.Equal("20000", CgroupFiles.Read(cgroup, "cpu", "cpu.cfs_quota_us", ""));
            Assert.Equal("50000", CgroupFiles.Read(cgroup, "cpu", "cpu.cfs_period_us", ""));
        }
    }

    [RuntimeFact]
    public void Cpuset_cpus_and_mems_from_the_config_land_in_the_cgroup_and_the_affinity()
    {
        var bundle = NewBundle().Shell("grep Cpus_allowed_list /proc/self/status > /tmp/affinity; exec sleep 600");
        var (_, cgroup) = RunningWithCpu(new JsonObject { ["cpus"] = "0", ["mems"] = "0" }, bundle);
        Assert.Equal("0", CgroupFiles.Read(cgroup, "cpuset", "cpuset.cpus", "cpuset.cpus"));
        Assert.Equal("0", CgroupFiles.Read(cgroup, "cpuset", "cpuset.mems", "cpuset.mems"));
        var affinity = Path.Combine(bundle.Rootfs, "tmp", "affinity");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (ProcessRunner.ReadText(affinity).Length == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.Equal("Cpus_allowed_list:\t0", ProcessRunner.ReadText(affinity).Trim());
    }
}
