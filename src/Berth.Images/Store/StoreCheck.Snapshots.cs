using System.Globalization;
using Berth.Images.Metadata;
using Berth.Images.Snapshots;
using Berth.Images.Snapshots.Overlay;

namespace Berth.Images.Store;

/// <summary>The snapshot half of the check: database rows and directories in step.</summary>
public static partial class StoreCheck
{
    private static void CheckSnapshots(ImageStore store, bool repair, List<string> problems, List<string> repaired)
    {
        var snapshotter = store.Snapshotter;
        // An extract snapshot lives only while LayerUnpacker fills it; it commits or removes it after.
        foreach (var s in snapshotter.Walk().Where(LayerUnpacker.IsAbandoned))
        {
            var line = $"snapshot {s.Key}: left by an interrupted unpack";
            if (!repair)
            {
                problems.Add(line);
                continue;
            }
            try
            {
                snapshotter.Remove(s.Key);
                repaired.Add("removed " + line);
            }
            catch (MetadataException e)
            {
                problems.Add($"{line}; cannot remove it: {e.Message}");
            }
        }

        if (snapshotter is not DirectorySnapshotter directories)
            return;
        var snapshotsDir = Path.Combine(directories.Home, "snapshots");
        Converge(() => UnknownDirectories(store, directories, snapshotsDir), () => directories.Cleanup(), repair, problems, repaired);

        var records = store.Metadata.View(tx => tx.Snapshots.List(directories.Name));
        var byKey = records.ToDictionary(r => r.Key, StringComparer.Ordinal);
        foreach (var r in records)
        {
            var dir = Path.Combine(snapshotsDir, r.Id.ToString(CultureInfo.InvariantCulture));
            if (!Directory.Exists(dir))
                problems.Add($"snapshot {r.Key}: directory {dir} is missing");
            // A missing parent row is caught by the foreign key check of the metadata.
            if (r.Parent is { } parent && byKey.TryGetValue(parent, out var p) && p.Kind != SnapshotKind.Committed)
                problems.Add($"snapshot {r.Key}: parent {parent} is not committed");
        }
    }

    /// <summary>What <see cref="DirectorySnapshotter.Cleanup"/> would remove, each with why it is there.</summary>
    private static Dictionary<string, string> UnknownDirectories(ImageStore store, DirectorySnapshotter snapshotter, string snapshotsDir)
    {
        var known = store.Metadata.View(tx => tx.Snapshots.Ids(snapshotter.Name));
        var leftovers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(snapshotsDir))
        {
            var name = Path.GetFileName(dir);
            if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                if (!known.Contains(id))
                    leftovers[dir] = $"snapshot directory {dir}: unknown to the database";
            }
            else if (name.StartsWith("rm-", StringComparison.Ordinal))
            {
                leftovers[dir] = $"snapshot directory {dir}: left by an interrupted removal";
            }
            else if (DirectorySnapshotter.IsAbandonedStaging(name))
            {
                leftovers[dir] = $"snapshot directory {dir}: left by an interrupted prepare";
            }
        }
        if (snapshotter is OverlaySnapshotter)
        {
            var links = Path.Combine(snapshotter.Home, "l");
            foreach (var link in Directory.Exists(links) ? Directory.EnumerateFileSystemEntries(links) : [])
            {
                if (OverlaySnapshotter.TryFromBase36(Path.GetFileName(link), out var id) && !known.Contains(id))
                    leftovers[link] = $"overlay link {link}: names no snapshot";
            }
        }
        return leftovers;
    }
}
