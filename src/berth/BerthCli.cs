using System.CommandLine;
using Spectre.Console;

namespace Berth.Cli;

/// <summary>The daemonless front door: acts on the image store under --root directly, as podman does.</summary>
public static class BerthCli
{
    public const string DefaultRoot = "/var/lib/berth";

    public static readonly Option<string> Root = new("--root") { Description = "root directory of the image store", DefaultValueFactory = _ => DefaultRoot, Recursive = true };

    public static int Run(string[] args)
    {
        var root = new RootCommand("berth: containers and images without a daemon");
        root.Options.Add(Root);
        var probe = new Command("version", "show the berth version");
        probe.SetAction(_ =>
        {
            AnsiConsole.Write(new Table().AddColumn("Client").AddRow("0.1.0"));
            return 0;
        });
        root.Subcommands.Add(probe);
        return root.Parse(args).Invoke();
    }
}
