using System.CommandLine;
using Berth.Images.Store;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary>image load: a docker-archive or OCI archive from a file (-i) or stdin, verified, unpacked, named.</summary>
public static class ImageLoadCommand
{
    public static Command Build(string name)
    {
        var input = new Option<string?>("--input", "-i") { Description = "read from tar archive file (or an OCI/docker layout directory), instead of STDIN" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "suppress the progress output" };
        var format = new Option<string?>("--format") { Description = "docker-archive or oci-archive (default: detected)" };
        var cmd = new Command(name, "load an image from a tar archive or STDIN") { input, quiet, format };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var archiveFormat = Formats.Parse(p.GetValue(format));
            var path = p.GetValue(input);
            if (path is null && !Console.IsInputRedirected)
            {
                Console.Error.WriteLine("Error: requested load from stdin, but stdin is empty");
                return 1;
            }
            var showProgress = !p.GetValue(quiet) && !Console.IsErrorRedirected;
            IReadOnlyList<string> loaded = [];
            void Load(Action<string, int, bool>? layerDone) =>
                loaded = path is null
                    ? ImageArchives.Load(store, Console.OpenStandardInput(), "stdin", archiveFormat, layerDone)
                    : ImageArchives.Load(store, path, archiveFormat, layerDone);
            if (showProgress)
            {
                // Progress on stderr, as docker: stdout carries only the "Loaded image" lines.
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                console.Status().Start("Loading layers", ctx => Load((image, layer, fresh) =>
                    console.MarkupLineInterpolated($"[grey]{image}[/]: layer {layer + 1} {(fresh ? "unpacked" : "already exists")}")));
            }
            else
            {
                Load(null);
            }
            foreach (var line in loaded)
                Console.Out.Write(line + "\n");
            return 0;
        }));
        return cmd;
    }
}
