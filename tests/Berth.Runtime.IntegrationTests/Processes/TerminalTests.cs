using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Processes;

public sealed class TerminalTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Terminal_is_sent_over_the_console_socket_and_carries_the_output()
    {
        using var console = new ConsoleSocketReceiver(Path.Combine(Dir, "console.sock"));
        var bundle = NewBundle().Shell("[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-are-ttys; tty; echo done-marker");
        bundle.Process["terminal"] = true;
        var id = NewId("tty");

        MustCreate(bundle, id, "--console-socket", console.SocketPath);
        console.Master(TimeSpan.FromSeconds(5));
        Must(Rt("start", id));
        var text = console.ReadAll(TimeSpan.FromSeconds(10), until: "done-marker");

        Assert.Contains("stdio-are-ttys", text);
        Assert.Contains("/dev/pts/", text);
        Assert.Contains("done-marker", text);
    }

    [RuntimeFact]
    public void Terminal_makes_dev_console_the_pty()
    {
        using var console = new ConsoleSocketReceiver(Path.Combine(Dir, "console.sock"));
        // the pty slave and /dev/console are the same char device (CVE-2025-52565: bound from the pty)
        var bundle = NewBundle().Shell("stat -c 'console %F %t' /dev/console; stat -L -c 'stdin %F %t:%T' /proc/self/fd/0; stat -c 'console-minor %T' /dev/console; echo done-marker");
        bundle.Process["terminal"] = true;
        var id = NewId("con");

        MustRunDetached(bundle, id, "--console-socket", console.SocketPath);
        var text = console.ReadAll(TimeSpan.FromSeconds(10), until: "done-marker").Replace("\r", "");

        Assert.Contains("console character special file 88", text); // major 136 = 0x88 (unix98 pty slave)
        var stdin = text.Split('\n').Single(l => l.StartsWith("stdin ", StringComparison.Ordinal));
        var minor = text.Split('\n').Single(l => l.StartsWith("console-minor ", StringComparison.Ordinal))["console-minor ".Length..];
        Assert.Equal($"stdin character special file 88:{minor}", stdin);
    }

    [RuntimeFact]
    public void Terminal_without_a_console_socket_is_refused_for_create()
    {
        var bundle = NewBundle().Args("/bin/true");
        bundle.Process["terminal"] = true;
        var id = NewId("nosock");
        Assert.NotEqual(0, Create(bundle, id).ExitCode);
        Assert.NotEqual("created", Status(id));
    }
}
