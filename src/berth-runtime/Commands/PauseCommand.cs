using System.CommandLine;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>pause and resume: freeze and thaw every process of a container.</summary>
public static class PauseCommand
{
    public static Command Build(bool pause)
    {
        var id = new Argument<string>("container-id");
        var cmd = new Command(pause ? "pause" : "resume", pause
            ? "pause suspends all processes inside the container"
            : "resumes all processes that have been previously paused") { id };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var container = Container.Load(ctx.Store, p.GetValue(id) ?? "");
            if (pause)
                container.Pause();
            else
                container.Resume();
            return 0;
        }));
        return cmd;
    }
}
