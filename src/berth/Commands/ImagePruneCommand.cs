using System.CommandLine;
using Berth.Cli.Output;
using Berth.Images.Store;

namespace Berth.Cli.Commands;

/// <summary>image prune: frees every blob and layer no image, bundle or lease uses; --all also drops every image no bundle uses.</summary>
public static class ImagePruneCommand
{
    public static Command Build()
    {
        var all = new Option<bool>("--all", "-a") { Description = "remove all images not used by a bundle" };
        var force = new Option<bool>("--force", "-f") { Description = "do not prompt for confirmation (berth never prompts)" };
        var cmd = new Command("prune", "remove unused images and layers") { all, force };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            if (p.GetValue(all))
            {
                foreach (var line in store.RemoveUnused())
                    Console.Out.Write(line + "\n");
            }
            var result = GarbageCollector.Collect(store);
            Console.Out.Write($"Deleted {result.Blobs} blobs and {result.Snapshots} layers\n\nTotal reclaimed space: {Humanize.Size(result.BytesFreed)}\n");
            return 0;
        }));
        return cmd;
    }
}
