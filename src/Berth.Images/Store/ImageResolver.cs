using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Store;

/// <summary>Reads an image's documents from the content store: index → platform manifest → config.</summary>
public static class ImageResolver
{
    /// <exception cref="ImageFormatException">A document is malformed, or no manifest fits the platform.</exception>
    /// <exception cref="ContentNotFoundException">A document the image names is not in the store.</exception>
    public static ResolvedImage Resolve(ContentStore content, Descriptor target, PlatformMatcher? platform = null)
    {
        platform ??= PlatformMatcher.Default;
        var manifest = target;
        // Indexes may nest (an index of indexes); a short bound keeps a crafted cycle finite.
        for (var depth = 0; MediaTypes.IsIndex(manifest.MediaType); depth++)
        {
            if (depth >= 4)
                throw new ImageFormatException($"index {target.Digest}: indexes nested too deep");
            var index = ManifestParser.ParseIndex(Read(content, manifest), manifest.Digest, manifest.MediaType);
            manifest = platform.Select(index.Manifests)
                ?? throw new ImageFormatException($"index {manifest.Digest}: no manifest for platform {platform.Target}");
        }
        var document = ManifestParser.ParseManifest(Read(content, manifest), manifest.Digest, manifest.MediaType);
        var configDescriptor = document.Config
            ?? throw new ImageFormatException($"manifest {manifest.Digest}: config: is required");
        var config = ManifestParser.ParseConfig(Read(content, configDescriptor), configDescriptor.Digest);
        var diffIds = config.RootFs?.DiffIds ?? [];
        if (diffIds.Count != document.Layers.Count)
            throw new ImageFormatException($"manifest {manifest.Digest}: {document.Layers.Count} layers but config {configDescriptor.Digest} lists {diffIds.Count} diff_ids");
        return new ResolvedImage(target, manifest, document, config, diffIds, ChainId.Chain(diffIds));
    }

    private static byte[] Read(ContentStore content, Descriptor d)
    {
        var bytes = content.ReadAllBytes(d.Digest, ManifestParser.MaxDocumentSize);
        if (d.Size >= 0 && bytes.Length != d.Size)
            throw new ImageFormatException($"blob {d.Digest}: size {bytes.Length} does not match the descriptor's {d.Size}");
        return bytes;
    }
}
