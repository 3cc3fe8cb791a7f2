using System.CommandLine;
using Berth.Oci.Runtime;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>state: the OCI state JSON of a container.</summary>
public static class StateCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var cmd = new Command("state", "output the state of a container") { id };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            Console.Out.WriteLine(OciJson.SerializeState(Container.Load(ctx.Store, p.GetValue(id) ?? "").OciState()));
            return 0;
        }));
        return cmd;
    }
}
