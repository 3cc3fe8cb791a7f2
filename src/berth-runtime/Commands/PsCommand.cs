using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>ps: the processes of a container (its cgroup), as JSON pids or the host's ps table filtered to them.</summary>
public static class PsCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var psArgs = new Argument<string[]>("ps-options") { Arity = ArgumentArity.ZeroOrMore };
        var format = new Option<string>("--format", "-f") { Description = "select one of: table or json", DefaultValueFactory = _ => "table" };
        var cmd = new Command("ps", "ps displays the processes running inside a container") { id, psArgs, format };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var container = Container.Load(ctx.Store, p.GetValue(id) ?? "");
            var pids = container.Pids();
            switch (p.GetValue(format))
            {
                case "json":
                    Console.Out.WriteLine("[" + string.Join(",", pids.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]");
                    return 0;
                case "table":
                    return PrintTable(pids, p.GetValue(psArgs) is { Length: > 0 } a ? a : ["-ef"]);
                default:
                    throw new RuntimeException($"invalid format option \"{p.GetValue(format)}\"");
            }
        }));
        return cmd;
    }

    // The host's own ps (never one from the container), filtered to the container's pids by its PID column.
    private static int PrintTable(IReadOnlyList<int> pids, string[] args)
    {
        var info = new ProcessStartInfo("ps") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var ps = Process.Start(info) ?? throw new RuntimeException("ps: cannot start the host's ps");
        var lines = ps.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        ps.WaitForExit();
        if (lines.Length == 0)
            return ps.ExitCode;
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var column = Array.IndexOf(header, "PID");
        if (column < 0)
            throw new RuntimeException("ps: the output has no PID column");
        Console.Out.WriteLine(lines[0]);
        var set = pids.ToHashSet();
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > column && int.TryParse(fields[column], CultureInfo.InvariantCulture, out var pid) && set.Contains(pid))
                Console.Out.WriteLine(line);
        }
        return 0;
    }
}
