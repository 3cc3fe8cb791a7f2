using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Rootfs;

public sealed class RootfsTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Root_of_the_container_is_the_bundle_rootfs()
    {
        var bundle = NewBundle().Args("/bin/cat", "/" + BusyboxBundle.RootfsMarker);
        Assert.Equal("rootfs\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Hostname_is_set_from_the_config()
    {
        var bundle = NewBundle().Args("/bin/hostname");
        bundle.Config["hostname"] = "berth-it-host";
        Assert.Equal("berth-it-host\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Domainname_is_set_from_the_config()
    {
        var bundle = NewBundle().Args("/bin/cat", "/proc/sys/kernel/domainname");
        bundle.Config["domainname"] = "berth.example";
        Assert.Equal("berth.example\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Readonly_root_refuses_writes_with_EROFS()
    {
        var bundle = NewBundle().ReadonlyRoot().Shell("touch /written 2>&1; echo rc=$?");
        var stdout = MustRun(bundle);
        Assert.Contains("Read-only file system", stdout);
        Assert.Contains("rc=1", stdout);
        Assert.False(File.Exists(Path.Combine(bundle.Rootfs, "written")));
    }

    [RuntimeFact]
    public void Writable_root_accepts_writes()
    {
        var bundle = NewBundle().ReadonlyRoot(false).Shell("echo data > /written && cat /written");
        Assert.Equal("data\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void No_pivot_runs_the_container_in_its_rootfs()
    {
        var bundle = NewBundle().Args("/bin/cat", "/" + BusyboxBundle.RootfsMarker);
        Assert.Equal("rootfs\n", MustRun(bundle, extraFlags: "--no-pivot"));
    }

    [RuntimeFact]
    public void No_new_keyring_runs_the_container()
    {
        var bundle = NewBundle().Args("/bin/echo", "keyring-ok");
        Assert.Equal("keyring-ok\n", MustRun(bundle, extraFlags: "--no-new-keyring"));
    }

    [RuntimeFact]
    public void Sysctl_sets_ip_forward_in_the_new_network_namespace_only()
    {
        var host = File.ReadAllText("/proc/sys/net/ipv4/ip_forward");
        var bundle = NewBundle().Args("/bin/cat", "/proc/sys/net/ipv4/ip_forward");
        bundle.Namespace("network");
        bundle.Linux["sysctl"] = new System.Text.Json.Nodes.JsonObject { ["net.ipv4.ip_forward"] = host.Trim() == "1" ? "0" : "1" };
        Assert.Equal(host.Trim() == "1" ? "0\n" : "1\n", MustRun(bundle));
        Assert.Equal(host, File.ReadAllText("/proc/sys/net/ipv4/ip_forward"));
    }

    [RuntimeFact]
    public void Sysctl_sets_shmmax_in_the_new_ipc_namespace_only()
    {
        var host = File.ReadAllText("/proc/sys/kernel/shmmax");
        var bundle = NewBundle().Args("/bin/cat", "/proc/sys/kernel/shmmax");
        bundle.Namespace("ipc");
        bundle.Linux["sysctl"] = new System.Text.Json.Nodes.JsonObject { ["kernel.shmmax"] = "123456789" };
        Assert.Equal("123456789\n", MustRun(bundle));
        Assert.Equal(host, File.ReadAllText("/proc/sys/kernel/shmmax"));
    }

    // "slave" is not checked: runc and crun both make the rootfs' parent mount private before
    // binding it (runc rootfsParentMountPrivate), so a slave root has no master to show here
    [RuntimeFact]
    public void Rootfs_propagation_private_leaves_the_root_mount_without_peers()
    {
        var root = RootMount("private");
        Assert.Empty(root.OptionalFields);
    }

    [RuntimeFact]
    public void Rootfs_propagation_shared_makes_the_root_mount_shared()
    {
        var root = RootMount("shared");
        Assert.Contains(root.OptionalFields, f => f.StartsWith("shared:", StringComparison.Ordinal));
    }

    private MountInfo RootMount(string propagation)
    {
        var bundle = NewBundle().Args("/bin/cat", "/proc/self/mountinfo");
        bundle.Linux["rootfsPropagation"] = propagation;
        var root = MountInfo.At(MountInfo.Parse(MustRun(bundle)), "/");
        Assert.NotNull(root);
        return root;
    }
}
