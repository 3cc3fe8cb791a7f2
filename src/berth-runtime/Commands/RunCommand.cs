using System.CommandLine;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>run: create + start; in the foreground its exit status is the container's.</summary>
public static class RunCommand
{
    public static Command Build()
    {
        var detach = new Option<bool>("--detach", "-d") { Description = "detach from the container's process" };
        var cmd = new Command("run", "create and run a container") { detach };
        CreateCommand.AddCreateOptions(cmd);
        cmd.SetAction(p => Cli.Execute(p, ctx =>
            new ContainerRunner(ctx.Store, ctx.Log).Run(CreateCommand.Options(p), p.GetValue(detach))));
        return cmd;
    }
}
