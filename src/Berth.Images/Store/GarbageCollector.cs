using Berth.Images.Content;
using Berth.Images.Metadata;
using Berth.Images.Oci;
using Berth.Images.Snapshots;

namespace Berth.Images.Store;

/// <summary>
/// Mark and sweep from the database, as containerd's collector: the roots are the image records,
/// every active or view snapshot (a container's or a bundle's writable layer) and whatever a lease
/// holds. A blob or a committed snapshot is removed only when nothing reachable from a root names
/// it; anything that cannot be read while marking stops the sweep instead of being guessed at.
/// </summary>
public static class GarbageCollector
{
    /// <param name="dryRun">Only count what would go (system df's reclaimable space).</param>
    /// <summary>How long an abandoned ingest is kept for a retry to resume it.</summary>
    public static readonly TimeSpan StaleIngestAge = TimeSpan.FromMinutes(10);

    public static GcResult Collect(ImageStore store, bool dryRun = false)
    {
        var (records, leased) = store.Metadata.View(tx =>
        {
            var leasedResources = tx.Leases.List().SelectMany(l => tx.Leases.ListResources(l.Id)).ToList();
            return (tx.Images.List(), leasedResources);
        });

        var liveBlobs = new HashSet<Digest>();
        var liveSnapshots = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            MarkContent(store.Content, ImageStore.Describe(record), liveBlobs, depth: 0);
            try
            {
                foreach (var chain in store.Resolve(record).ChainIds)
                    liveSnapshots.Add(chain.ToString());
            }
            catch (ImageFormatException)
            {
                // No manifest for this platform: the image has no snapshots here to keep.
            }
        }
        foreach (var r in leased)
        {
            if (r.Kind == LeaseResourceKind.Content && Digest.TryParse(r.Key, out var d, out _))
                liveBlobs.Add(d);
            else if (r.Kind == LeaseResourceKind.Snapshot && r.Key.StartsWith(store.Snapshotter.Name + "/", StringComparison.Ordinal))
                liveSnapshots.Add(r.Key[(store.Snapshotter.Name.Length + 1)..]);
        }

        var snapshots = store.Snapshotter.Walk();
        var byKey = snapshots.ToDictionary(s => s.Key, StringComparer.Ordinal);
        // Containers' and bundles' writable layers are roots; so is a layer being unpacked right
        // now, but not one whose unpacking process died.
        foreach (var s in snapshots.Where(s => s.Kind != SnapshotKind.Committed && !LayerUnpacker.IsAbandoned(s)).ToList())
            liveSnapshots.Add(s.Key);
        // A kept snapshot keeps its whole chain of parents.
        foreach (var key in liveSnapshots.ToList())
        {
            for (var p = byKey.GetValueOrDefault(key)?.Parent; p is not null; p = byKey.GetValueOrDefault(p)?.Parent)
                liveSnapshots.Add(p);
        }

        long freed = 0;
        var removedSnapshots = 0;
        // Children before parents: the snapshotter refuses to remove a snapshot with children.
        var doomed = snapshots.Where(s => !liveSnapshots.Contains(s.Key)).ToList();
        while (doomed.Count > 0)
        {
            var leaves = doomed.Where(s => !doomed.Any(o => o.Parent == s.Key)).ToList();
            foreach (var s in leaves)
            {
                freed += store.Snapshotter.Usage(s.Key).Size;
                if (!dryRun)
                    store.Snapshotter.Remove(s.Key);
                removedSnapshots++;
            }
            doomed = doomed.Except(leaves).ToList();
        }

        var removedBlobs = 0;
        foreach (var blob in store.Content.Walk().ToList())
        {
            if (liveBlobs.Contains(blob.Digest))
                continue;
            if (dryRun || store.Content.Delete(blob.Digest))
            {
                freed += blob.Size;
                removedBlobs++;
            }
        }
        // Ingests nobody holds (their writer died) and nobody resumed for a while are garbage too;
        // a live writer's flock keeps its ingest out of this.
        if (!dryRun)
            store.Content.CleanStaleIngests(StaleIngestAge);
        return new GcResult(removedBlobs, removedSnapshots, freed);
    }

    private static void MarkContent(ContentStore content, Descriptor d, HashSet<Digest> live, int depth)
    {
        if (!live.Add(d.Digest) || !content.Exists(d.Digest))
            return;
        if (depth > 4)
            throw new ImageFormatException($"index {d.Digest}: indexes nested too deep");
        if (MediaTypes.IsIndex(d.MediaType))
        {
            var index = ManifestParser.ParseIndex(content.ReadAllBytes(d.Digest, ManifestParser.MaxDocumentSize), d.Digest, d.MediaType);
            foreach (var m in index.Manifests)
                MarkContent(content, m, live, depth + 1);
        }
        else if (MediaTypes.IsManifest(d.MediaType))
        {
            var manifest = ManifestParser.ParseManifest(content.ReadAllBytes(d.Digest, ManifestParser.MaxDocumentSize), d.Digest, d.MediaType);
            if (manifest.Config is { } config)
                live.Add(config.Digest);
            foreach (var layer in manifest.Layers)
                live.Add(layer.Digest);
        }
    }
}
