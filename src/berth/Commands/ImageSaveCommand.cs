using System.CommandLine;
using Berth.Images.Store;

namespace Berth.Cli.Commands;

/// <summary>image save: images as a docker-archive (docker load reads it) or an OCI archive, to a file or stdout.</summary>
public static class ImageSaveCommand
{
    public static Command Build(string name)
    {
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--output", "-o") { Description = "write to a file, instead of STDOUT" };
        var format = new Option<string?>("--format") { Description = "docker-archive (default) or oci-archive" };
        var cmd = new Command(name, "save one or more images to a tar archive (streamed to STDOUT by default)") { images, output, format };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var archiveFormat = Formats.Parse(p.GetValue(format));
            if (archiveFormat == ArchiveFormat.Auto)
                archiveFormat = ArchiveFormat.DockerArchive;
            var path = p.GetValue(output);
            if (path is null && !Console.IsOutputRedirected)
            {
                Console.Error.WriteLine("Error: cowardly refusing to save to a terminal. Use the -o flag or redirect");
                return 1;
            }
            if (path is null)
            {
                using var stdout = Console.OpenStandardOutput();
                ImageArchives.Save(store, p.GetValue(images)!, stdout, archiveFormat);
                return 0;
            }
            // Written beside the target and renamed: a failed save leaves no truncated archive.
            var full = Path.GetFullPath(path);
            var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
            try
            {
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                    ImageArchives.Save(store, p.GetValue(images)!, file, archiveFormat);
                File.Move(temp, full, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }
            return 0;
        }));
        return cmd;
    }
}
