using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Rootfs;

public sealed class DeviceTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Default_devices_exist_with_their_major_and_minor()
    {
        // stat prints major:minor in hex
        var bundle = NewBundle().Args("/bin/stat", "-c", "%n %F %t:%T", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty");
        Assert.Equal(
            "/dev/null character special file 1:3\n" +
            "/dev/zero character special file 1:5\n" +
            "/dev/full character special file 1:7\n" +
            "/dev/random character special file 1:8\n" +
            "/dev/urandom character special file 1:9\n" +
            "/dev/tty character special file 5:0\n",
            MustRun(bundle));
    }

    [RuntimeFact]
    public void Dev_fd_stdio_and_ptmx_links_exist()
    {
        var bundle = NewBundle().Shell("for l in fd stdin stdout stderr ptmx; do echo \"$l $(readlink /dev/$l)\"; done");
        Assert.Equal(
            "fd /proc/self/fd\n" +
            "stdin /proc/self/fd/0\n" +
            "stdout /proc/self/fd/1\n" +
            "stderr /proc/self/fd/2\n" +
            "ptmx pts/ptmx\n",
            MustRun(bundle));
    }

    [RuntimeFact]
    public void Dev_is_a_fresh_tmpfs_without_what_the_image_shipped()
    {
        var bundle = NewBundle().Shell("ls -A /dev | tr '\\n' ' '; echo; grep ' /dev ' /proc/self/mountinfo");
        File.WriteAllText(Path.Combine(bundle.Rootfs, "dev", "image-file"), "from the image");
        var stdout = MustRun(bundle);
        Assert.DoesNotContain("image-file", stdout);
        Assert.Equal("tmpfs", MountInfo.At(MountInfo.Parse(stdout), "/dev")?.FsType);
    }

    [RuntimeFact]
    public void Linux_devices_entry_creates_the_node()
    {
        var bundle = NewBundle().Args("/bin/stat", "-c", "%F %t:%T %a %u:%g", "/dev/berth-kmsg");
        bundle.Linux["devices"] = new JsonArray
        {
            new JsonObject
            {
                ["path"] = "/dev/berth-kmsg",
                ["type"] = "c",
                ["major"] = 1,
                ["minor"] = 11,
                ["fileMode"] = Convert.ToInt32("640", 8),
                ["uid"] = 0,
                ["gid"] = 4242,
            },
        };
        Assert.Equal("character special file 1:b 640 0:4242\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Device_cgroup_denies_opening_a_node_not_allowed()
    {
        // mknod of a block device is allowed (b *:* m) but opening it is not
        var bundle = NewBundle().Shell("mknod /tmp/sda b 8 0 && head -c1 /tmp/sda 2>&1; echo rc=$?");
        var caps = (JsonObject)bundle.Process["capabilities"]!;
        foreach (var set in new[] { "bounding", "effective", "permitted" })
        {
            ((JsonArray)caps[set]!).Add("CAP_MKNOD");
        }

        var stdout = MustRun(bundle);
        Assert.Contains("Operation not permitted", stdout);
        Assert.Contains("rc=1", stdout);
    }
}
