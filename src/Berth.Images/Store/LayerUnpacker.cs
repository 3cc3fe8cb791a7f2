using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Metadata;
using Berth.Images.Snapshots;
using Berth.Images.Snapshots.Overlay;
using Berth.Linux;

namespace Berth.Images.Store;

/// <summary>
/// Unpacks an image's layers into committed snapshots named by chain ID, as containerd's unpacker
/// does: a layer already unpacked by any image is reused, so images that share a base store it once.
/// Each layer is extracted into a fresh active snapshot and becomes visible only when committed
/// (IMG-P5); a failure removes the half-extracted snapshot.
/// </summary>
public sealed class LayerUnpacker(ContentStore content, ISnapshotter snapshotter, LayerApplyOptions limits)
{
    /// <summary>The key prefix of the active snapshots layers are extracted into.</summary>
    public const string ExtractPrefix = "extract-";

    /// <summary>"pid:start-time" of the process extracting into a snapshot, so a dead one's leftovers can be told from a live unpack.</summary>
    public const string OwnerLabel = "berth.unpack.owner";

    private static readonly Dictionary<string, string> s_ownerLabels = new(StringComparer.Ordinal)
    {
        [OwnerLabel] = $"{Environment.ProcessId}:{ProcessInfo.StartTime(Environment.ProcessId)}",
    };

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
            var key = $"{ExtractPrefix}{Guid.NewGuid():N}-{name}";
            var mounts = snapshotter.Prepare(key, parent, s_ownerLabels);
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

    /// <summary>An extract snapshot whose unpacking process is gone (killed mid-layer): garbage, not a root.</summary>
    public static bool IsAbandoned(SnapshotInfo s)
    {
        if (s.Kind != SnapshotKind.Active || !s.Key.StartsWith(ExtractPrefix, StringComparison.Ordinal))
            return false;
        if (!s.Labels.TryGetValue(OwnerLabel, out var owner) || owner.Split(':') is not [var p, var t]
            || !int.TryParse(p, out var pid) || !ulong.TryParse(t, out var start))
            return true;
        return !ProcessInfo.IsAlive(pid, start);
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
