using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>SEC-CAP-2 / CVE-2022-29162: `exec --cap` adds the capability without filling the inheritable or ambient sets.</summary>
public sealed class ExecCapabilityTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private const ulong CapSysAdmin = 1UL << 21;

    [RuntimeFact]
    public void Exec_with_cap_adds_it_and_keeps_inheritable_and_ambient_empty()
    {
        var id = NewId("xcap");
        MustRunDetached(NewBundle().Args("/bin/sleep", "600"), id);
        WaitForStatus(id, "running");

        var status = Must(Rt("exec", "--cap", "CAP_SYS_ADMIN", id, "/bin/grep", "^Cap", "/proc/self/status")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => p[1].Trim());
        Assert.Equal("0000000000000000", status["CapInh"]);
        Assert.Equal("0000000000000000", status["CapAmb"]);
        Assert.NotEqual(0UL, Convert.ToUInt64(status["CapEff"], 16) & CapSysAdmin);
        Assert.NotEqual(0UL, Convert.ToUInt64(status["CapBnd"], 16) & CapSysAdmin);
    }
}
