using System.CommandLine;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>spec: writes a default config.json into the bundle, never over an existing one.</summary>
public static class SpecCommand
{
    public static Command Build()
    {
        var bundle = new Option<string>("--bundle", "-b") { Description = "path to the root of the bundle directory", DefaultValueFactory = _ => "." };
        var rootless = new Option<bool>("--rootless") { Description = "generate a configuration for a rootless container" };
        var cmd = new Command("spec", "create a new specification file") { bundle, rootless };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var path = Path.Combine(p.GetValue(bundle) ?? ".", "config.json");
            if (File.Exists(path))
                throw new RuntimeException("File config.json exists. Remove it first");
            var spec = DefaultSpec.Create(p.GetValue(rootless), Libc.Geteuid(), Libc.Getegid());
            File.WriteAllText(path, OciJson.SerializeSpec(spec));
            return 0;
        }));
        return cmd;
    }
}
