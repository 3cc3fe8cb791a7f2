using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Namespaces;

public sealed class NamespaceTests(ITestOutputHelper output) : RuntimeTest(output)
{
    /// <summary>OCI namespace type → name of its link in /proc/self/ns.</summary>
    public static TheoryData<string, string> Kinds => new()
    {
        { "pid", "pid" },
        { "network", "net" },
        { "ipc", "ipc" },
        { "uts", "uts" },
        { "mount", "mnt" },
        { "cgroup", "cgroup" },
    };

    [RuntimeTheory]
    [MemberData(nameof(Kinds))]
    public void Requested_namespace_differs_from_the_hosts(string kind, string link)
    {
        var bundle = NewBundle().Args("/bin/readlink", $"/proc/self/ns/{link}");
        bundle.Namespace(kind);
        var inside = MustRun(bundle).Trim();
        Assert.StartsWith(link + ":[", inside);
        Assert.NotEqual(HostNamespace(link), inside);
    }

    [RuntimeTheory]
    [InlineData("network", "net")]
    [InlineData("ipc", "ipc")]
    [InlineData("uts", "uts")]
    [InlineData("cgroup", "cgroup")]
    public void Absent_namespace_is_shared_with_the_host(string kind, string link)
    {
        var bundle = NewBundle().Args("/bin/readlink", $"/proc/self/ns/{link}");
        bundle.RemoveNamespace(kind);
        if (kind == "uts")
        {
            bundle.Config.Remove("hostname");
        }

        Assert.Equal(HostNamespace(link), MustRun(bundle).Trim());
    }

    [RuntimeFact]
    public void Process_is_pid_1_in_a_new_pid_namespace()
    {
        var bundle = NewBundle().Shell("echo $$; cat /proc/1/cmdline | tr '\\0' ' '; echo");
        Assert.Equal("1\n/bin/sh -c " + (string?)bundle.Process["args"]![2] + " \n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Network_namespace_given_by_path_is_joined()
    {
        // a persistent netns: `unshare --net=FILE` bind-mounts the new namespace onto FILE
        var nsFile = Path.Combine(Dir, "netns");
        File.WriteAllText(nsFile, "");
        var unshare = ProcessRunner.Run("/usr/bin/unshare", [$"--net={nsFile}", "/bin/true"], Dir);
        Assert.True(unshare.Succeeded, unshare.ToString());
        var inode = Native.Stat(nsFile)!.Value.Inode;

        var bundle = NewBundle().Args("/bin/readlink", "/proc/self/ns/net");
        bundle.Namespace("network", nsFile);
        Assert.Equal($"net:[{inode}]", MustRun(bundle).Trim());
    }

    [RuntimeFact]
    public void Namespace_of_another_container_given_by_path_is_joined()
    {
        var helper = NewId("nsh");
        MustRunDetached(NewBundle().Args("/bin/sleep", "30"), helper);
        var helperPid = Pid(helper);
        var helperIpc = new FileInfo($"/proc/{helperPid}/ns/ipc").LinkTarget;
        var helperUts = new FileInfo($"/proc/{helperPid}/ns/uts").LinkTarget;

        var bundle = NewBundle().Shell("readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts");
        bundle.Namespace("ipc", $"/proc/{helperPid}/ns/ipc");
        bundle.Namespace("uts", $"/proc/{helperPid}/ns/uts");
        bundle.Config.Remove("hostname");
        Assert.Equal($"{helperIpc}\n{helperUts}\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void User_namespace_applies_the_uid_and_gid_mappings()
    {
        // the mapped root (host uid 100000) must be able to reach the rootfs
        File.SetUnixFileMode(Dir, (UnixFileMode)Convert.ToInt32("755", 8));
        var bundle = NewBundle().Shell("cat /proc/self/uid_map /proc/self/gid_map; id -u; readlink /proc/self/ns/user");
        bundle.Namespace("user");
        bundle.Linux["uidMappings"] = Mapping(0, 100000, 65536);
        bundle.Linux["gidMappings"] = Mapping(0, 200000, 65536);
        // sysfs and cgroupfs of the host cannot be mounted from a new user namespace without a
        // new network / cgroup namespace; runc's own userns tests bind them instead
        bundle.RemoveMounts("/sys").AddMount("/sys", "bind", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro");

        var lines = MustRun(bundle).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["0 100000 65536", "0 200000 65536"], lines.Take(2).Select(Squash));
        Assert.Equal("0", lines[2]);
        Assert.NotEqual(HostNamespace("user"), lines[3]);
    }

    [RuntimeFact]
    public void Time_namespace_is_created_when_the_kernel_has_one()
    {
        if (!File.Exists("/proc/self/ns/time"))
        {
            return;
        }

        var bundle = NewBundle().Args("/bin/readlink", "/proc/self/ns/time");
        bundle.Namespace("time");
        var inside = MustRun(bundle).Trim();
        Assert.StartsWith("time:[", inside);
        Assert.NotEqual(HostNamespace("time"), inside);
    }

    [RuntimeFact]
    public void Time_namespace_offsets_shift_the_monotonic_clock()
    {
        if (!File.Exists("/proc/self/ns/time"))
        {
            return;
        }

        var bundle = NewBundle().Args("/bin/cat", "/proc/self/timens_offsets");
        bundle.Namespace("time");
        bundle.Linux["timeOffsets"] = new System.Text.Json.Nodes.JsonObject
        {
            ["monotonic"] = new System.Text.Json.Nodes.JsonObject { ["secs"] = 86400, ["nanosecs"] = 0 },
        };
        var offsets = MustRun(bundle).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Squash);
        Assert.Contains("monotonic 86400 0", offsets);
    }

    private static string Squash(string line) => string.Join(' ', line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static System.Text.Json.Nodes.JsonArray Mapping(int container, int host, int size) =>
    [
        new System.Text.Json.Nodes.JsonObject
        {
            ["containerID"] = container,
            ["hostID"] = host,
            ["size"] = size,
        },
    ];
}
