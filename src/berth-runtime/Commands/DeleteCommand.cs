using System.CommandLine;
using Berth.Runtime;
using Berth.Runtime.State;

namespace Berth.RuntimeCli.Commands;

/// <summary>delete: removes a stopped container (or, with --force, any container).</summary>
public static class DeleteCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var force = new Option<bool>("--force", "-f") { Description = "forcibly deletes the container if it is still running (uses SIGKILL)" };
        var cmd = new Command("delete", "delete any resources held by the container often used with detached container") { id, force };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var name = p.GetValue(id) ?? "";
            ContainerId.Validate(name);
            if (!ctx.Store.Exists(name))
            {
                // runc: deleting what is already gone succeeds with --force.
                if (p.GetValue(force))
                {
                    ctx.Store.Remove(name);
                    return 0;
                }
                throw new ContainerNotFoundException(name);
            }
            Container.Load(ctx.Store, name).Delete(p.GetValue(force), ctx.Log);
            return 0;
        }));
        return cmd;
    }
}
