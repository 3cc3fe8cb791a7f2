using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.References;
using Berth.Images.Store;

namespace Berth.Distribution.Client.Push;

/// <summary>
/// Which other repositories on the same registry likely hold a blob, for a cross-repository mount:
/// those of the store's images named on that registry or pulled from it (their source label) whose
/// manifest lists the blob.
/// </summary>
public static class MountSources
{
    public static IReadOnlyDictionary<Digest, string> Find(ImageStore store, ImageReference target)
    {
        var sources = new Dictionary<Digest, string>();
        foreach (var record in store.List())
        {
            var repositories = new List<string>();
            if (ImageReference.TryParse(record.Name, out var named) && named!.Domain == target.Domain)
                repositories.Add(named.Path);
            if (record.Labels.TryGetValue(RegistryClient.SourceLabel, out var source)
                && source.StartsWith(target.Domain + "/", StringComparison.Ordinal))
                repositories.Add(source[(target.Domain.Length + 1)..]);
            var from = repositories.FirstOrDefault(r => r != target.Path);
            if (from is null)
                continue;
            ImageManifest manifest;
            try
            {
                manifest = store.Resolve(record).ManifestDocument;
            }
            catch (Exception e) when (e is ImageFormatException or ContentException)
            {
                continue;
            }
            foreach (var blob in manifest.Layers.Append(manifest.Config!))
                sources.TryAdd(blob.Digest, from);
        }
        return sources;
    }
}
