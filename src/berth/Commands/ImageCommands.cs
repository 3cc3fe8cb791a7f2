using System.CommandLine;

namespace Berth.Cli.Commands;

/// <summary><c>berth image …</c>, and the short forms docker also has (<c>berth images</c>, <c>berth rmi</c>, …).</summary>
public static class ImageCommands
{
    public static Command Build()
    {
        var image = new Command("image", "manage images");
        image.Subcommands.Add(ImageListCommand.Build("ls", "list images", "list"));
        image.Subcommands.Add(ImageInspectCommand.Build("inspect"));
        image.Subcommands.Add(ImageRemoveCommand.Build("rm", "remove one or more images", "remove"));
        image.Subcommands.Add(ImageTagCommand.Build("tag"));
        image.Subcommands.Add(ImageHistoryCommand.Build("history"));
        image.Subcommands.Add(ImagePruneCommand.Build());
        image.Subcommands.Add(ImageLoadCommand.Build("load"));
        image.Subcommands.Add(ImageSaveCommand.Build("save"));
        image.Subcommands.Add(ImageImportCommand.Build("import"));
        image.Subcommands.Add(PullCommand.Build("pull"));
        image.Subcommands.Add(PushCommand.Build("push"));
        image.Subcommands.Add(ImageBundleCommand.Build());
        image.Subcommands.Add(ImageBundleCommand.BuildRemove());
        return image;
    }

    public static IEnumerable<Command> TopLevelAliases() =>
    [
        ImageListCommand.Build("images", "list images"),
        ImageRemoveCommand.Build("rmi", "remove one or more images"),
        ImageTagCommand.Build("tag"),
        ImageHistoryCommand.Build("history"),
        ImageLoadCommand.Build("load"),
        ImageSaveCommand.Build("save"),
        ImageImportCommand.Build("import"),
        PullCommand.Build("pull"),
        PushCommand.Build("push"),
    ];
}
