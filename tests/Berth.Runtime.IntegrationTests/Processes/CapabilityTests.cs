using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Processes;

public sealed class CapabilityTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private static readonly string[] s_names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The 14 capabilities docker and containerd give by default (security-baseline §1.1).</summary>
    private static readonly string[] s_docker =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    [RuntimeFact]
    public void Capability_sets_match_the_config()
    {
        var status = RunWithCaps(bounding: s_docker, effective: s_docker, permitted: s_docker);
        Assert.Equal("00000000a80425fb", status["CapBnd"]);
        Assert.Equal("00000000a80425fb", status["CapEff"]);
        Assert.Equal("00000000a80425fb", status["CapPrm"]);
        Assert.Equal("0000000000000000", status["CapInh"]);
        Assert.Equal("0000000000000000", status["CapAmb"]);
    }

    [RuntimeFact]
    public void Default_spec_capabilities_are_applied_with_empty_inheritable_and_ambient()
    {
        var bundle = NewBundle().Args("/bin/grep", "^Cap", "/proc/self/status");
        var caps = (JsonObject)bundle.Process["capabilities"]!;
        var status = Parse(MustRun(bundle));
        foreach (var (set, key) in new[] { ("bounding", "CapBnd"), ("effective", "CapEff"), ("permitted", "CapPrm") })
        {
            Assert.Equal(Mask(((JsonArray?)caps[set] ?? []).Select(n => (string)n!)), status[key]);
        }

        // an ambient capability can only be raised if it is also inheritable and permitted
        // (capabilities(7)); the spec template asks for ambient ones with no inheritable set
        var inheritable = ((JsonArray?)caps["inheritable"] ?? []).Select(n => (string)n!).ToList();
        var permitted = ((JsonArray?)caps["permitted"] ?? []).Select(n => (string)n!).ToList();
        Assert.Equal(Mask(inheritable), status["CapInh"]);
        Assert.Equal(Mask(((JsonArray?)caps["ambient"] ?? []).Select(n => (string)n!).Where(c => inheritable.Contains(c) && permitted.Contains(c))), status["CapAmb"]);
    }

    [RuntimeFact]
    public void Bounding_set_can_be_smaller_than_the_effective_sets_of_other_processes()
    {
        var status = RunWithCaps(bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]);
        Assert.Equal(Mask(["CAP_KILL"]), status["CapBnd"]);
        Assert.Equal(Mask(["CAP_KILL"]), status["CapEff"]);
    }

    [RuntimeFact]
    public void Empty_capability_sets_leave_the_process_without_capabilities()
    {
        var status = RunWithCaps(bounding: [], effective: [], permitted: []);
        Assert.All(new[] { "CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb" }, k => Assert.Equal("0000000000000000", status[k]));
    }

    [RuntimeFact]
    public void Ambient_capabilities_are_raised_when_asked()
    {
        string[] set = ["CAP_NET_BIND_SERVICE", "CAP_KILL"];
        var status = RunWithCaps(bounding: set, effective: set, permitted: set, inheritable: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"], uid: 1000);
        Assert.Equal(Mask(["CAP_NET_BIND_SERVICE"]), status["CapInh"]);
        Assert.Equal(Mask(["CAP_NET_BIND_SERVICE"]), status["CapAmb"]);
        Assert.Equal(Mask(["CAP_NET_BIND_SERVICE"]), status["CapEff"]);
    }

    /// <summary>`runc spec` asks for ambient capabilities with no inheritable set; runc and crun skip
    /// them (the kernel cannot raise them, capabilities(7)) rather than fail, so such configs run.</summary>
    [RuntimeFact]
    public void Ambient_capabilities_that_are_not_inheritable_are_skipped_as_runc_does()
    {
        string[] set = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        var bundle = NewBundle().Args("/bin/grep", "^Cap", "/proc/self/status");
        bundle.Process["capabilities"] = new JsonObject
        {
            ["bounding"] = Array(set),
            ["effective"] = Array(set),
            ["permitted"] = Array(set),
            ["ambient"] = Array(set),
        };
        var status = Parse(MustRun(bundle));
        Assert.Equal(Mask(set), status["CapEff"]);
        Assert.Equal("0000000000000000", status["CapInh"]);
        Assert.Equal("0000000000000000", status["CapAmb"]);
    }

    [RuntimeFact]
    public void Non_root_user_without_ambient_capabilities_has_no_effective_ones()
    {
        var status = RunWithCaps(bounding: s_docker, effective: s_docker, permitted: s_docker, uid: 1000);
        Assert.Equal("0000000000000000", status["CapEff"]);
        Assert.Equal("0000000000000000", status["CapPrm"]);
        Assert.Equal("00000000a80425fb", status["CapBnd"]);
    }

    [RuntimeFact]
    public void Unknown_capability_is_refused()
    {
        var bundle = NewBundle().Args("/bin/true");
        ((JsonArray)bundle.Process["capabilities"]!["bounding"]!).Add("CAP_BERTH_DOES_NOT_EXIST");
        Assert.NotEqual(0, RunForeground(bundle).ExitCode);
    }

    /// <summary>
    /// A capability the runtime does not hold cannot be granted; as runc does, create says so, not
    /// the container's start. The runtime runs under setpriv with CAP_MKNOD out of its bounding set.
    /// </summary>
    [RuntimeFact]
    public void Capability_the_runtime_does_not_hold_fails_create_and_leaves_nothing_behind()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        ((JsonArray)bundle.Process["capabilities"]!["bounding"]!).Add("CAP_MKNOD");
        ((JsonArray)bundle.Process["capabilities"]!["effective"]!).Add("CAP_MKNOD");
        ((JsonArray)bundle.Process["capabilities"]!["permitted"]!).Add("CAP_MKNOD");
        var id = NewId("capx");
        Prepare(bundle, id);

        var r = ProcessRunner.Run("/usr/bin/setpriv",
            ["--bounding-set", "-mknod", "--", Runtime.Executable, "--root", Root, "create", "--bundle", bundle.Path, id], Dir);
        Log(r.ToString());

        Assert.NotEqual(0, r.ExitCode);
        if (Runtime.Name == "berth")
        {
            Assert.Contains("process.capabilities", r.Stderr);
            Assert.Contains("CAP_MKNOD", r.Stderr);
        }
        AssertCreateLeftNothing(id);
    }

    private Dictionary<string, string> RunWithCaps(string[] bounding, string[] effective, string[] permitted, string[]? inheritable = null, string[]? ambient = null, int uid = 0)
    {
        var bundle = NewBundle().Args("/bin/grep", "^Cap", "/proc/self/status");
        bundle.Process["capabilities"] = new JsonObject
        {
            ["bounding"] = Array(bounding),
            ["effective"] = Array(effective),
            ["permitted"] = Array(permitted),
            ["inheritable"] = Array(inheritable ?? []),
            ["ambient"] = Array(ambient ?? []),
        };
        bundle.Process["user"] = new JsonObject { ["uid"] = uid, ["gid"] = uid };
        return Parse(MustRun(bundle));
    }

    private static JsonArray Array(IEnumerable<string> names) => new(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());

    public static string Mask(IEnumerable<string> names)
    {
        ulong mask = 0;
        foreach (var name in names)
        {
            var bit = System.Array.IndexOf(s_names, name);
            Assert.True(bit >= 0, $"unknown capability {name}");
            mask |= 1UL << bit;
        }

        return mask.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string> Parse(string status) =>
        status.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => p[1].Trim());
}
