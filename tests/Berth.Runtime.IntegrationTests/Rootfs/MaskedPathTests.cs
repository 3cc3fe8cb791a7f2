using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Rootfs;

public sealed class MaskedPathTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Masked_file_reads_empty()
    {
        Assert.True(File.Exists("/proc/timer_list") && new FileInfo("/proc/keys").Exists, "host has /proc/timer_list and /proc/keys");
        var bundle = NewBundle().Shell("wc -c < /proc/timer_list; wc -c < /proc/keys");
        bundle.Linux["maskedPaths"] = new JsonArray("/proc/timer_list", "/proc/keys");
        Assert.Equal("0\n0\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Masked_directory_is_empty_and_read_only()
    {
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries("/sys/firmware"));
        var bundle = NewBundle().Shell("ls -A /sys/firmware | wc -l; { touch /sys/firmware/x; } 2>&1; true");
        bundle.Linux["maskedPaths"] = new JsonArray("/sys/firmware");
        var stdout = MustRun(bundle);
        Assert.StartsWith("0\n", stdout);
        Assert.Contains("Read-only file system", stdout);
    }

    [RuntimeFact]
    public void Masked_path_that_does_not_exist_is_skipped()
    {
        var bundle = NewBundle().Args("/bin/echo", "started");
        bundle.Linux["maskedPaths"] = new JsonArray("/proc/berth-does-not-exist", "/proc/timer_list");
        Assert.Equal("started\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Readonly_proc_path_refuses_writes_with_EROFS()
    {
        // domainname is per UTS namespace: had the write gone through, only the container would see it
        var bundle = NewBundle().Shell("{ echo x > /proc/sys/kernel/domainname; } 2>&1; echo rc=$?");
        bundle.Linux["readonlyPaths"] = new JsonArray("/proc/sys");
        var stdout = MustRun(bundle);
        Assert.Contains("Read-only file system", stdout);
        Assert.Contains("rc=1", stdout);
    }

    [RuntimeFact]
    public void Readonly_rootfs_path_refuses_writes_with_EROFS()
    {
        var bundle = NewBundle().ReadonlyRoot(false).Shell("{ touch /var/x; } 2>&1; echo rc=$?");
        bundle.Linux["readonlyPaths"] = new JsonArray("/var");
        var stdout = MustRun(bundle);
        Assert.Contains("Read-only file system", stdout);
        Assert.False(File.Exists(Path.Combine(bundle.Rootfs, "var", "x")));
    }
}
