using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Store;

/// <summary>
/// An image as a container sees it: the manifest chosen for a platform, its config, and the
/// chain IDs that name its unpacked layers.
/// </summary>
/// <param name="Target">What the image record points at (a manifest, or an index holding it).</param>
/// <param name="Manifest">The platform's manifest descriptor (equal to Target for a single-platform image).</param>
public sealed record ResolvedImage(
    Descriptor Target,
    Descriptor Manifest,
    ImageManifest ManifestDocument,
    ImageConfig Config,
    IReadOnlyList<Digest> DiffIds,
    IReadOnlyList<Digest> ChainIds)
{
    /// <summary>The image ID docker prints: the config's digest.</summary>
    public Digest Id => ManifestDocument.Config!.Digest;

    /// <summary>The committed snapshot of the top layer, or null for an image without layers.</summary>
    public string? TopSnapshot => ChainIds.Count == 0 ? null : ChainIds[^1].ToString();

    /// <summary>Sum of the layer blobs' sizes as stored (compressed).</summary>
    public long ContentSize => ManifestDocument.Layers.Sum(l => l.Size) + ManifestDocument.Config!.Size + Manifest.Size;
}
