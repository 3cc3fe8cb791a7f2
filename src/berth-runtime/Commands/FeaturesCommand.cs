using System.CommandLine;
using Berth.Oci.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>features: what this runtime implements, in the JSON runc prints.</summary>
public static class FeaturesCommand
{
    public static Command Build()
    {
        var cmd = new Command("features", "show the enabled features");
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            // Seccomp arrives with the resource-control issue; until then it is reported off.
            Console.Out.WriteLine(OciJson.SerializeFeatures(FeaturesProvider.Create(seccompEnabled: false)));
            return 0;
        }));
        return cmd;
    }
}
