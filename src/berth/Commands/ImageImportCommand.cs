using System.CommandLine;
using Berth.Images.Formats;
using Berth.Images.Store;

namespace Berth.Cli.Commands;

/// <summary>image import: a root filesystem tarball (tar, tar.gz, tar.zst; file or "-") as a one-layer image.</summary>
public static class ImageImportCommand
{
    public static Command Build(string name)
    {
        var file = new Argument<string>("file") { Description = "tarball path, or - for STDIN" };
        var reference = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne };
        var change = new Option<string[]>("--change", "-c") { Description = "apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL" };
        var message = new Option<string?>("--message", "-m") { Description = "set a commit message for the imported image" };
        var cmd = new Command(name, "import the contents from a tarball to create a filesystem image") { file, reference, change, message };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var path = p.GetValue(file)!;
            var options = DockerfileChanges.Apply(p.GetValue(change) ?? [], new RootfsImportOptions { Source = path, Message = p.GetValue(message) });
            using var input = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
            var image = ImageArchives.ImportRootfs(store, input, p.GetValue(reference), options);
            Console.Out.Write(image.Id + "\n");
            return 0;
        }));
        return cmd;
    }
}
