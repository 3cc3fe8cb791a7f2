using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.Devices;
using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>
/// The v2 device program, loaded and attached for real to a cgroup in this host's cgroup2 mount (the
/// kernel runs cgroup2 device programs on hybrid hosts too), and the v2 freezer there.
/// </summary>
public sealed class HostCgroup2DeviceFilterTests : IDisposable
{
    /// <summary>
    /// Opens /dev/null and then the node given as $0, reporting each; the shell prints the errno text on
    /// stderr. <c>true</c>, not <c>:</c>: a failed redirection on a special built-in makes sh exit.
    /// </summary>
    private const string OpenBoth =
        "read _; if true </dev/null; then echo null=ok; else echo null=denied; fi; if true <\"$0\"; then echo node=ok; else echo node=denied; fi";

    private readonly HostCgroupScope _scope = new();
    private readonly string _nodeDirectory = Path.Combine(Path.GetTempPath(), $"berth-test-{Guid.NewGuid():N}");

    public HostCgroup2DeviceFilterTests()
    {
        Directory.CreateDirectory(_nodeDirectory);
    }

    public void Dispose()
    {
        _scope.Dispose();
        Directory.Delete(_nodeDirectory, recursive: true);
    }

    private string Directory2 => Path.Combine(_scope.Mounts.Unified!.MountPoint, _scope.Name);

    private V2Manager Created()
    {
        var manager = new V2Manager(_scope.CgroupsPath, Directory2);
        manager.Create();
        return manager;
    }

    /// <summary>
    /// A character device that no rule allows and that every kernel has: 1:11 (/dev/kmsg). 1:1
    /// (/dev/mem) would fail to open with ENXIO on kernels built without CONFIG_DEVMEM, filter or not.
    /// </summary>
    private string DeniedNode()
    {
        var path = Path.Combine(_nodeDirectory, "kmsg");
        const uint S_IFCHR = 0x2000;
        Assert.Equal(0, Libc.Mknodat(AtFlags.AT_FDCWD, path, S_IFCHR | 0x180, (1 << 8) | 11));
        return path;
    }

    private (string Stdout, string Stderr) RunInCgroup(ICgroupManager manager, string node)
    {
        using var shell = _scope.StartShell(OpenBoth, node);
        manager.AddProcess(shell.Id);
        shell.StandardInput.WriteLine();
        shell.StandardInput.Close();
        var stdout = shell.StandardOutput.ReadToEnd();
        var stderr = shell.StandardError.ReadToEnd();
        Assert.True(shell.WaitForExit(10_000));
        return (stdout, stderr);
    }

    [HostCgroup2Fact]
    public void The_device_program_allows_dev_null_and_refuses_other_nodes_with_eperm()
    {
        var manager = Created();
        var node = DeniedNode();
        manager.ApplyDevices([new LinuxDeviceCgroup { Allow = false, Access = "rwm" }, .. DeviceRules.Defaults]);

        var (stdout, stderr) = RunInCgroup(manager, node);

        Assert.Equal("null=ok\nnode=denied\n", stdout);
        Assert.Contains("Operation not permitted", stderr);
    }

    [HostCgroup2Fact]
    public void Without_a_device_program_the_same_node_opens()
    {
        var manager = Created();
        var node = DeniedNode();

        var (stdout, _) = RunInCgroup(manager, node);

        Assert.Equal("null=ok\nnode=ok\n", stdout);
    }

    [HostCgroup2Fact]
    public void Applying_devices_again_replaces_the_program()
    {
        var manager = Created();
        List<LinuxDeviceCgroup> rules = [new() { Allow = false, Access = "rwm" }, .. DeviceRules.Defaults];
        manager.ApplyDevices(rules);
        var first = BpfDeviceFilter.AttachedProgramIds(Directory2);

        manager.ApplyDevices(rules);

        var second = BpfDeviceFilter.AttachedProgramIds(Directory2);
        Assert.Single(first);
        Assert.Single(second);
        Assert.NotEqual(first[0], second[0]);
    }

    [HostCgroup2Fact]
    public void Freeze_then_thaw_is_confirmed_by_cgroup_events()
    {
        var manager = Created();
        using var sleep = _scope.StartSleep();
        manager.AddProcess(sleep.Id);

        manager.Freeze();
        var frozen = (manager.FreezerState, File.ReadAllText(Path.Combine(Directory2, "cgroup.events")).Contains("frozen 1", StringComparison.Ordinal));
        manager.Thaw();

        Assert.Equal((FreezerState.Frozen, true), frozen);
        Assert.Equal(FreezerState.Thawed, manager.FreezerState);
    }
}
