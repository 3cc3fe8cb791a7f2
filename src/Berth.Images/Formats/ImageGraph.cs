using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// The blobs an image consists of: from a root (index or manifest) through nested indexes and
/// manifests down to configs and layers. Importers use it to prove an archive was complete, exporters
/// to know what to copy.
/// </summary>
internal static class ImageGraph
{
    /// <summary>
    /// Every descriptor reachable from <paramref name="roots"/>, parents before children, each digest
    /// once. A blob absent from the store, or of another size than its descriptor says, is an error
    /// naming it and what referenced it. With a <paramref name="platforms"/> matcher, an index's
    /// entries for other platforms are not followed (containerd's export and import with a platform):
    /// a pull fetches only the host's manifest of a multi-platform index.
    /// </summary>
    /// <param name="supply">
    /// Called for each blob reached before it is looked for in the store, with whether it is a layer:
    /// it may bring the blob into the store, or return the size of a layer left for the unpack to
    /// ingest (a load that stores layers as it extracts them); null means "look in the store".
    /// </param>
    public static IReadOnlyList<Descriptor> Walk(ContentStore store, IEnumerable<(Descriptor Descriptor, string From)> roots, string what,
        PlatformMatcher? platforms = null, Func<Descriptor, bool, long?>? supply = null)
    {
        var seen = new HashSet<Digest>();
        var order = new List<Descriptor>();
        var pending = new Stack<(Descriptor Descriptor, string From, bool IsLayer)>(roots.Reverse().Select(r => (r.Descriptor, r.From, false)));
        while (pending.TryPop(out var item))
        {
            var (d, from, isLayer) = item;
            if (!seen.Add(d.Digest))
                continue;
            var deferred = supply?.Invoke(d, isLayer);
            if (deferred is null && !store.Exists(d.Digest))
                throw new ArchiveFormatException($"{what}: blob {d.Digest} ({from}) is missing");
            var size = deferred ?? store.Info(d.Digest).Size;
            if (size != d.Size)
                throw new ArchiveFormatException($"{what}: blob {d.Digest} ({from}): size {size} does not match the descriptor's {d.Size}");
            order.Add(d);
            if (deferred is not null)
                continue;
            var children = Children(store, d, what, platforms);
            for (var i = children.Count - 1; i >= 0; i--)
                pending.Push(children[i]);
        }
        return order;
    }

    private static List<(Descriptor, string, bool)> Children(ContentStore store, Descriptor d, string what, PlatformMatcher? platforms)
    {
        var children = new List<(Descriptor, string, bool)>();
        if (!MediaTypes.IsIndex(d.MediaType) && !MediaTypes.IsManifest(d.MediaType))
            return children;
        ManifestDocument document;
        try
        {
            document = ManifestParser.Parse(store.ReadAllBytes(d.Digest, ManifestParser.MaxDocumentSize), d.Digest, d.MediaType);
        }
        catch (Exception e) when (e is ImageFormatException or ContentException)
        {
            throw new ArchiveFormatException($"{what}: {e.Message}", e);
        }
        if (document.Index is { } index)
        {
            for (var i = 0; i < index.Manifests.Count; i++)
            {
                if (platforms is null || index.Manifests[i].Platform is not { } p || platforms.Matches(p))
                    children.Add((index.Manifests[i], $"manifests[{i}] of index {d.Digest}", false));
            }
        }
        else if (document.Manifest is { } manifest)
        {
            children.Add((manifest.Config!, $"config of manifest {d.Digest}", false));
            for (var i = 0; i < manifest.Layers.Count; i++)
                children.Add((manifest.Layers[i], $"layers[{i}] of manifest {d.Digest}", true));
        }
        return children;
    }
}
