using System.CommandLine;
using Berth.Cli.Output;
using Berth.Images.Snapshots;

namespace Berth.Cli.Commands;

/// <summary>system df: what images and their layers take on disk; system check: is the store consistent.</summary>
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
        system.Subcommands.Add(BuildCheck());
        return system;
    }

    /// <summary>As podman system check: problems one per line on stdout, exit 1 while any remains.</summary>
    private static Command BuildCheck()
    {
        var repair = new Option<bool>("--repair", "-r") { Description = "remove leftovers of interrupted operations and corrupt blobs" };
        var check = new Command("check", "check the store for consistency") { repair };
        check.SetAction(p => BerthCli.Execute(p, store =>
        {
            var report = Images.Store.StoreCheck.Run(store, p.GetValue(repair));
            foreach (var line in report.Repaired)
                Console.Out.Write("Repaired: " + line + "\n");
            foreach (var line in report.Problems)
                Console.Out.Write(line + "\n");
            if (report.Clean)
                Console.Out.Write("No problems found\n");
            return report.Clean ? 0 : 1;
        }));
        return check;
    }
}
