using System.CommandLine;
using System.Globalization;
using Berth.Oci.Runtime;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>list: the containers under --root, as runc's table or JSON.</summary>
public static class ListCommand
{
    public static Command Build()
    {
        var format = new Option<string>("--format", "-f") { Description = "select one of: table or json", DefaultValueFactory = _ => "table" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "display only container IDs" };
        var cmd = new Command("list", "lists containers started by berth-runtime with the given root") { format, quiet };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var states = new List<State>();
            foreach (var id in ctx.Store.ListIds())
            {
                try
                {
                    states.Add(Container.Load(ctx.Store, id).OciState());
                }
                catch (RuntimeException)
                {
                    // A container deleted while listing is simply not listed.
                }
            }
            if (p.GetValue(quiet))
            {
                foreach (var s in states)
                    Console.Out.WriteLine(s.Id);
                return 0;
            }
            switch (p.GetValue(format))
            {
                case "json":
                    Console.Out.WriteLine(OciJson.SerializeStates(states));
                    return 0;
                case "table":
                    PrintTable(states);
                    return 0;
                default:
                    throw new RuntimeException($"invalid format option \"{p.GetValue(format)}\"");
            }
        }));
        return cmd;
    }

    private static void PrintTable(List<State> states)
    {
        var rows = new List<string[]> { new[] { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" } };
        rows.AddRange(states.Select(s => new[] { s.Id, s.Pid.ToString(CultureInfo.InvariantCulture), s.Status, s.Bundle, s.Created, s.Owner }));
        var widths = Enumerable.Range(0, 6).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var r in rows)
            Console.Out.WriteLine(string.Join("", r.Select((cell, c) => c < 5 ? cell.PadRight(widths[c] + 3) : cell)).TrimEnd());
    }
}
