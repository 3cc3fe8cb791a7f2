using System.CommandLine;
using Berth.Cli.Output;
using Berth.Images.Snapshots;

namespace Berth.Cli.Commands;

/// <summary>system df: what images and their layers take on disk.</summary>
public static class SystemCommands
{
    public static Command Build()
    {
        var system = new Command("system", "manage berth");
        var df = new Command("df", "show disk usage");
        df.SetAction(p => BerthCli.Execute(p, store =>
        {
            var records = store.List();
            var summaries = records.Select(store.Summarize).ToList();
            var images = summaries.Select(s => s.Id).Distinct().Count();
            var layers = store.Snapshotter.Walk().Where(s => s.Kind == SnapshotKind.Committed).Sum(s => store.Snapshotter.Usage(s.Key).Size);
            var content = store.Content.Walk().Sum(b => b.Size);
            var bundles = Images.Store.ImageBundles.List(store);
            var bundleSize = store.Snapshotter.Walk().Where(s => s.Kind == SnapshotKind.Active).Sum(s => store.Snapshotter.Usage(s.Key).Size);
            var reclaimable = Images.Store.GarbageCollector.Collect(store, dryRun: true).BytesFreed;
            static string N(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var table = new ColumnTable("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
            table.Add("Images", N(images), N(bundles.Count > 0 ? Math.Min(images, bundles.Count) : 0), Humanize.Size(layers + content), Humanize.Size(reclaimable));
            table.Add("Bundles", N(bundles.Count), N(bundles.Count), Humanize.Size(bundleSize), "0B");
            table.Write(Console.Out);
            return 0;
        }));
        system.Subcommands.Add(df);
        return system;
    }
}
