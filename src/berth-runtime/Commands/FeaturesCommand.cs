using System.CommandLine;
using Berth.Oci.Runtime;
using Berth.Runtime.Seccomp;

namespace Berth.RuntimeCli.Commands;

/// <summary>features: what this runtime implements, in the JSON runc prints.</summary>
public static class FeaturesCommand
{
    public static Command Build()
    {
        var cmd = new Command("features", "show the enabled features");
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var seccomp = SeccompLibrary.IsAvailable;
            Console.Out.WriteLine(OciJson.SerializeFeatures(seccomp
                ? FeaturesProvider.Create(true, SeccompLibrary.Version(), SeccompLibrary.SupportedFlags())
                : FeaturesProvider.Create(false)));
            return 0;
        }));
        return cmd;
    }
}
