using System.CommandLine;
using System.Globalization;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>kill: sends a signal (name or number, default SIGTERM) to init, or with --all to every process of the container.</summary>
public static class KillCommand
{
    private static readonly Dictionary<string, int> Signals = new(StringComparer.Ordinal)
    {
        ["HUP"] = 1,
        ["INT"] = 2,
        ["QUIT"] = 3,
        ["ILL"] = 4,
        ["TRAP"] = 5,
        ["ABRT"] = 6,
        ["IOT"] = 6,
        ["BUS"] = 7,
        ["FPE"] = 8,
        ["KILL"] = 9,
        ["USR1"] = 10,
        ["SEGV"] = 11,
        ["USR2"] = 12,
        ["PIPE"] = 13,
        ["ALRM"] = 14,
        ["TERM"] = 15,
        ["STKFLT"] = 16,
        ["CHLD"] = 17,
        ["CONT"] = 18,
        ["STOP"] = 19,
        ["TSTP"] = 20,
        ["TTIN"] = 21,
        ["TTOU"] = 22,
        ["URG"] = 23,
        ["XCPU"] = 24,
        ["XFSZ"] = 25,
        ["VTALRM"] = 26,
        ["PROF"] = 27,
        ["WINCH"] = 28,
        ["IO"] = 29,
        ["POLL"] = 29,
        ["PWR"] = 30,
        ["SYS"] = 31,
    };

    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var signal = new Argument<string>("signal") { DefaultValueFactory = _ => "SIGTERM" };
        var all = new Option<bool>("--all", "-a") { Description = "send the specified signal to all processes inside the container" };
        var cmd = new Command("kill", "kill sends the specified signal (default: SIGTERM) to the container's init process") { id, signal, all };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var container = Container.Load(ctx.Store, p.GetValue(id) ?? "");
            container.Kill(Parse(p.GetValue(signal) ?? "SIGTERM"), p.GetValue(all));
            return 0;
        }));
        return cmd;
    }

    public static int Parse(string s)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 65)
            return n;
        var name = s.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
            name = name[3..];
        if (Signals.TryGetValue(name, out var sig))
            return sig;
        if (name.StartsWith("RTMIN", StringComparison.Ordinal) || name.StartsWith("RTMAX", StringComparison.Ordinal))
        {
            var off = name.Length > 5 && int.TryParse(name[5..], CultureInfo.InvariantCulture, out var o) ? o : 0;
            var value = name.StartsWith("RTMIN", StringComparison.Ordinal) ? 34 + off : 64 + off;
            if (value is >= 34 and <= 64)
                return value;
        }
        throw new RuntimeException($"unknown signal \"{s}\"");
    }
}
