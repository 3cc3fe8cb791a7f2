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
            var name = p.GetValue(id) ?? "";
            // A claimed id whose create has not saved its state yet is "creating" (runtime-spec).
            if (!ctx.Store.Exists(name) && Directory.Exists(ctx.Store.ContainerDir(name)))
            {
                Console.Out.WriteLine(OciJson.SerializeState(new State { OciVersion = OciVersions.Current, Id = name, Status = ContainerStatus.Creating }));
                return 0;
            }
            Console.Out.WriteLine(OciJson.SerializeState(Container.Load(ctx.Store, name).OciState()));
            return 0;
        }));
        return cmd;
    }
}
