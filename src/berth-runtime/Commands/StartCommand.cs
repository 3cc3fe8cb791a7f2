using System.CommandLine;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>start: runs the user process of a created container.</summary>
public static class StartCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var cmd = new Command("start", "executes the user defined process in a created container") { id };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            Container.Load(ctx.Store, p.GetValue(id) ?? "").Start(ctx.Log);
            return 0;
        }));
        return cmd;
    }
}
