using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Security;

/// <summary>
/// CVE-2021-30465, race form: while containers start with a mount whose destination runs through
/// a path, something flips that path between a directory and a symlink to "/" as fast as it can.
/// The mount must land inside the root filesystem every time, never on the host.
/// </summary>
public sealed class MountRaceTests(ITestOutputHelper output) : RuntimeTest(output)
{
    private const int Starts = 60;

    [RuntimeFact]
    public void CVE_2021_30465_a_destination_flipped_to_a_symlink_never_mounts_outside_the_root()
    {
        var marker = $"berth-race-{Guid.NewGuid():N}";
        var hostVictim = Path.Combine("/", marker);
        var bundle = NewBundle().Shell("cat /proc/self/mountinfo")
            .AddMount($"/flip/{marker}", "tmpfs", "tmpfs", "size=64k");
        var flip = Path.Combine(bundle.Rootfs, "flip");
        Directory.CreateDirectory(flip);

        using var stop = new CancellationTokenSource();
        var flipper = Task.Run(() =>
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!stop.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                try
                {
                    // A directory, then a symlink to "/", then a directory again, as fast as possible.
                    if (new FileInfo(flip).LinkTarget is null)
                    {
                        Directory.Delete(flip, recursive: true);
                        File.CreateSymbolicLink(flip, "/");
                    }
                    else
                    {
                        File.Delete(flip);
                        Directory.CreateDirectory(flip);
                    }
                }
                catch (IOException)
                {
                }
            }
        });
        try
        {
            var landed = 0;
            for (var i = 0; i < Starts; i++)
            {
                var r = RunForeground(bundle, NewId("race"));
                Assert.False(Directory.Exists(hostVictim), $"start {i} created {hostVictim} on the host");
                Assert.DoesNotContain(marker, File.ReadAllText("/proc/self/mountinfo"));
                if (r.ExitCode != 0)
                    continue;
                // Inside the root: where the path pointed, or where the symlink to "/" led once
                // clamped to the root. (The flipper may also remove the directory while mounted:
                // the kernel then detaches that mount, so it can be absent.)
                foreach (var line in r.Stdout.Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal)))
                {
                    var mountPoint = line.Split(' ')[4];
                    Assert.True(mountPoint == $"/flip/{marker}" || mountPoint == $"/{marker}", $"start {i} mounted at {mountPoint}");
                    landed++;
                }
            }
            Log($"{landed} of {Starts} starts mounted; the others refused the swapped path");
        }
        finally
        {
            stop.Cancel();
            flipper.Wait(TimeSpan.FromSeconds(10));
            if (Directory.Exists(hostVictim))
                Directory.Delete(hostVictim);
        }
        Assert.False(Directory.Exists(hostVictim));
    }
}
