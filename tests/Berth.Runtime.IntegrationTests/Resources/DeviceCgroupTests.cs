using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Resources;

/// <summary>
/// linux.resources.devices is a deny-all followed by allow rules (moby's policy, security-baseline
/// §1.6); the device cgroup enforces it on open(), whatever nodes exist in the container.
/// </summary>
public sealed class DeviceCgroupTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private static JsonObject Rule(bool allow, string type, long? major, long? minor, string access)
    {
        var rule = new JsonObject { ["allow"] = allow, ["type"] = type, ["access"] = access };
        if (major is not null)
        {
            rule["major"] = major;
        }

        if (minor is not null)
        {
            rule["minor"] = minor;
        }

        return rule;
    }

    /// <summary>Deny all; allow /dev/null, /dev/zero, and mknod (not open) of any node. CAP_MKNOD added.</summary>
    private BusyboxBundle DenyAllButNullAndZero(string script)
    {
        var bundle = NewBundle().Shell(script);
        var resources = bundle.Linux["resources"] as JsonObject ?? (JsonObject)(bundle.Linux["resources"] = new JsonObject());
        resources["devices"] = new JsonArray
        {
            new JsonObject { ["allow"] = false, ["access"] = "rwm" },
            Rule(true, "c", 1, 3, "rwm"),
            Rule(true, "c", 1, 5, "rwm"),
            Rule(true, "c", null, null, "m"),
            Rule(true, "b", null, null, "m"),
        };
        var caps = (JsonObject)bundle.Process["capabilities"]!;
        foreach (var set in new[] { "bounding", "effective", "permitted" })
        {
            ((JsonArray)caps[set]!).Add("CAP_MKNOD");
        }

        return bundle;
    }

    [RuntimeFact]
    public void Device_cgroup_allow_rule_lets_the_node_be_opened()
    {
        var bundle = DenyAllButNullAndZero("head -c 4 /dev/zero | wc -c; echo x > /dev/null && echo null-ok");
        Assert.Equal("4\nnull-ok\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Device_cgroup_denies_opening_a_mknod_node_not_allowed()
    {
        // SEC-DEV-1: mknod succeeds (b *:* m), open() fails with EPERM from the device cgroup
        var bundle = DenyAllButNullAndZero("mknod /tmp/sda b 8 0 && echo mknod-ok; head -c 1 /tmp/sda; echo rc=$?");
        var r = RunForeground(bundle);
        Assert.True(r.Succeeded, r.ToString());
        Assert.Contains("mknod-ok", r.Stdout);
        Assert.Contains("rc=1", r.Stdout);
        Assert.Contains("Operation not permitted", r.Stderr);
    }
}
