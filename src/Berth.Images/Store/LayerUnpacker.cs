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

    /// <summary>Layers not in the content store yet: each is stored as it is read for extraction.</summary>
    public PendingBlobs? Pending { get; init; }

    /// <summary>How many layers extract at once where the snapshotter allows it (one per core by default).</summary>
    public int MaxParallelLayers { get; init; } = Environment.ProcessorCount;

    public void Unpack(ResolvedImage image)
    {
        RemoveAbandoned();
        // A committed chain ID implies its whole chain is committed (a parent must be, to be built on),
        // so the work is the suffix after the last committed layer.
        var first = image.ChainIds.Count;
        while (first > 0 && !IsCommitted(image.ChainIds[first - 1].ToString()))
            first--;
        for (var i = 0; i < first; i++)
            LayerDone?.Invoke(i, false);
        var todo = image.ChainIds.Count - first;
        if (todo > 1 && snapshotter.ExtractsWithoutParent && MaxParallelLayers > 1)
            UnpackSideBySide(image, first);
        else
            UnpackInOrder(image, first);
    }

    private void UnpackInOrder(ResolvedImage image, int first)
    {
        for (var i = first; i < image.ChainIds.Count; i++)
        {
            var name = image.ChainIds[i].ToString();
            if (IsCommitted(name))
            {
                LayerDone?.Invoke(i, false);
                continue;
            }
            var key = Extract(image, i, i == 0 ? null : image.ChainIds[i - 1].ToString());
            CommitOrDiscard(image, i, key, onto: null);
        }
    }

    /// <summary>
    /// Each layer extracts into a snapshot of its own, without its parent, on up to
    /// <see cref="MaxParallelLayers"/> threads, largest first; this thread commits them onto each other
    /// in chain order as they finish. After a failure no further layer starts, the ones running finish, and every
    /// uncommitted snapshot is removed; the first failing layer's error is thrown.
    /// </summary>
    private void UnpackSideBySide(ResolvedImage image, int first)
    {
        var count = image.ChainIds.Count - first;
        var extracted = new TaskCompletionSource<string>[count];
        for (var j = 0; j < count; j++)
            extracted[j] = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Largest first (by compressed size, the best guess of the work before reading it): the last
        // layer to start is a small one, so the threads finish close together.
        var order = Enumerable.Range(0, count).OrderByDescending(j => image.ManifestDocument.Layers[first + j].Size).ThenBy(j => j).ToArray();
        var next = -1;
        var failed = 0;
        void Work()
        {
            for (int k; (k = Interlocked.Increment(ref next)) < count;)
            {
                var j = order[k];
                if (Volatile.Read(ref failed) != 0)
                {
                    extracted[j].SetCanceled();
                    continue;
                }
                try
                {
                    extracted[j].SetResult(Extract(image, first + j, parent: null));
                }
                catch (Exception e)
                {
                    Volatile.Write(ref failed, 1);
                    extracted[j].SetException(e);
                }
            }
        }
        var workers = new Thread[Math.Min(count, MaxParallelLayers)];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = new Thread(Work) { IsBackground = true, Name = $"unpack-{w}" };
            workers[w].Start();
        }

        // Layers commit in chain order; after the first failure (or a layer not started because of
        // one) none does, and the snapshots extracted meanwhile are removed.
        Exception? error = null;
        var stop = false;
        for (var j = 0; j < count; j++)
        {
            var i = first + j;
            try
            {
                var key = extracted[j].Task.GetAwaiter().GetResult();
                if (stop)
                {
                    TryRemove(key);
                    continue;
                }
                CommitOrDiscard(image, i, key, onto: i == 0 ? null : image.ChainIds[i - 1].ToString());
            }
            catch (OperationCanceledException)
            {
                // Not started because another layer failed; that layer's error is the one thrown.
                stop = true;
            }
            catch (Exception e)
            {
                error ??= e;
                stop = true;
                Volatile.Write(ref failed, 1);
            }
        }
        foreach (var worker in workers)
            worker.Join();
        if (error is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Extracts layer <paramref name="i"/> into a new active snapshot on <paramref name="parent"/>; returns its key.</summary>
    private string Extract(ResolvedImage image, int i, string? parent)
    {
        var key = $"{ExtractPrefix}{Guid.NewGuid():N}-{image.ChainIds[i]}";
        var mounts = snapshotter.Prepare(key, parent, s_ownerLabels);
        try
        {
            var layer = image.ManifestDocument.Layers[i];
            using var blob = Pending?.OpenIngesting(content, layer) ?? content.OpenRead(layer.Digest);
            try
            {
                LayerApplier.Apply(blob, layer.MediaType, WritableDir(mounts), limits with
                {
                    Mode = snapshotter is OverlaySnapshotter ? LayerApplyMode.Overlay : LayerApplyMode.Native,
                    CompressedDigest = layer.Digest,
                    HashCompressed = blob is not IBlobIngest,
                    DiffId = image.DiffIds[i],
                    DisplayName = $"layer {layer.Digest}",
                });
            }
            catch (LayerException) when (blob is IBlobIngest ingest)
            {
                // Bytes that are not the layer the digest names break the decompressor or the tar
                // reader before the ingest's digest check: that check, not the symptom, is the error.
                ingest.Commit();
                throw;
            }
            // Stored only now that it is known to be a good layer; the snapshot is committed after.
            (blob as IBlobIngest)?.Commit();
            return key;
        }
        catch
        {
            TryRemove(key);
            throw;
        }
    }

    /// <summary>Removes what unpacks killed mid-layer left behind (their owner is gone), so they do not pile up.</summary>
    private void RemoveAbandoned()
    {
        foreach (var s in snapshotter.Walk().Where(IsAbandoned).ToList())
            TryRemove(s.Key);
    }

    private void CommitOrDiscard(ResolvedImage image, int i, string key, string? onto)
    {
        var name = image.ChainIds[i].ToString();
        try
        {
            snapshotter.Commit(name, key, onto: onto);
            LayerDone?.Invoke(i, true);
            return;
        }
        catch (MetadataException e) when (e.Kind == MetadataErrorKind.AlreadyExists)
        {
            // Whether it is committed is asked below, not in the filter: a filter runs before the
            // failed commit's transaction has unwound, and the store cannot be read from inside it.
        }
        catch
        {
            TryRemove(key);
            throw;
        }
        if (IsCommitted(name))
        {
            // Another process unpacked the same layer meanwhile: theirs is as good as ours.
            snapshotter.Remove(key);
            LayerDone?.Invoke(i, false);
            return;
        }
        TryRemove(key);
        throw new MetadataException(MetadataErrorKind.AlreadyExists, $"snapshot \"{name}\": exists and is not committed");
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
