using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Metadata;
using Berth.Images.Snapshots;
using Berth.Images.Snapshots.Overlay;

namespace Berth.Images.Store;

/// <summary>
/// Unpacks an image's layers into committed snapshots named by chain ID, as containerd's unpacker
/// does: a layer already unpacked by any image is reused, so images that share a base store it once.
/// Each layer is extracted into a fresh active snapshot and becomes visible only when committed
/// (IMG-P5); a failure removes the half-extracted snapshot.
/// </summary>
public sealed class LayerUnpacker(ContentStore content, ISnapshotter snapshotter, LayerApplyOptions limits)
{
    /// <summary>Called after each layer with its index and whether it was extracted (false: already there).</summary>
    public Action<int, bool>? LayerDone { get; init; }

    public void Unpack(ResolvedImage image)
    {
        for (var i = 0; i < image.ChainIds.Count; i++)
        {
            var name = image.ChainIds[i].ToString();
            if (IsCommitted(name))
            {
                LayerDone?.Invoke(i, false);
                continue;
            }
            var parent = i == 0 ? null : image.ChainIds[i - 1].ToString();
            var key = $"extract-{Guid.NewGuid():N}-{name}";
            var mounts = snapshotter.Prepare(key, parent);
            try
            {
                var layer = image.ManifestDocument.Layers[i];
                using (var blob = content.OpenRead(layer.Digest))
                {
                    LayerApplier.Apply(blob, layer.MediaType, WritableDir(mounts), limits with
                    {
                        Mode = snapshotter is OverlaySnapshotter ? LayerApplyMode.Overlay : LayerApplyMode.Native,
                        CompressedDigest = layer.Digest,
                        DiffId = image.DiffIds[i],
                        DisplayName = $"layer {layer.Digest}",
                    });
                }
                snapshotter.Commit(name, key);
                LayerDone?.Invoke(i, true);
            }
            catch (MetadataException e) when (e.Kind == MetadataErrorKind.AlreadyExists && IsCommitted(name))
            {
                // Another process unpacked the same layer meanwhile: theirs is as good as ours.
                snapshotter.Remove(key);
                LayerDone?.Invoke(i, false);
            }
            catch
            {
                TryRemove(key);
                throw;
            }
        }
    }

    private bool IsCommitted(string name)
    {
        try
        {
            return snapshotter.Stat(name).Kind == SnapshotKind.Committed;
        }
        catch (MetadataException e) when (e.Kind == MetadataErrorKind.NotFound)
        {
            return false;
        }
    }

    private void TryRemove(string key)
    {
        try
        {
            snapshotter.Remove(key);
        }
        catch (MetadataException)
        {
        }
    }

    /// <summary>
    /// The directory a layer is extracted into: the upper dir of an overlay (so whiteouts land as
    /// overlay's own 0:0 devices), or the snapshot's own tree for a bind mount.
    /// </summary>
    public static string WritableDir(IReadOnlyList<MountSpec> mounts)
    {
        var m = mounts is [var only] ? only : throw new InvalidOperationException($"expected one mount, got {mounts.Count}");
        if (m.Type == "overlay")
        {
            var upper = m.Options.FirstOrDefault(o => o.StartsWith("upperdir=", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("overlay mount without upperdir");
            return upper["upperdir=".Length..];
        }
        return m.Source;
    }
}
