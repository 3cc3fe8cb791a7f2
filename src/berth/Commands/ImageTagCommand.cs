using System.CommandLine;

namespace Berth.Cli.Commands;

/// <summary>image tag SOURCE TARGET: another name for the same image.</summary>
public static class ImageTagCommand
{
    public static Command Build(string name)
    {
        var source = new Argument<string>("SOURCE_IMAGE");
        var target = new Argument<string>("TARGET_IMAGE");
        var cmd = new Command(name, "create a tag TARGET_IMAGE that refers to SOURCE_IMAGE") { source, target };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            store.Tag(p.GetValue(source)!, p.GetValue(target)!);
            return 0;
        }));
        return cmd;
    }
}
