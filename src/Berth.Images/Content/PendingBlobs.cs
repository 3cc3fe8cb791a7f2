using System.Collections.Concurrent;
using Berth.Images.Oci;

namespace Berth.Images.Content;

/// <summary>
/// Blobs an import has found but not yet stored (layers, which the unpack ingests while it extracts
/// them, reading their bytes once), with where to read each. Whatever the unpack did not consume is
/// ingested by <see cref="IngestRemaining"/> before the images are named.
/// </summary>
public sealed class PendingBlobs
{
    private readonly ConcurrentDictionary<Digest, (Descriptor Blob, Func<Stream> Open)> _blobs = new();

    public int Count => _blobs.Count;

    public void Add(Descriptor blob, Func<Stream> open) => _blobs.TryAdd(blob.Digest, (blob, open));

    /// <summary>
    /// A stream of the blob that also ingests it (commit it once read: <see cref="IngestingStream.Commit"/>),
    /// the plain source when another writer is storing it already, or null when the blob is not pending.
    /// </summary>
    public Stream? OpenIngesting(ContentStore store, Descriptor blob)
    {
        if (!_blobs.TryGetValue(blob.Digest, out var pending) || store.Exists(blob.Digest))
            return null;
        var source = pending.Open();
        return IngestingStream.TryOpen(store, source, pending.Blob) ?? source;
    }

    /// <summary>Stores every pending blob the store does not have yet, each verified against its descriptor.</summary>
    public void IngestRemaining(ContentStore store)
    {
        foreach (var (digest, (blob, open)) in _blobs)
        {
            if (store.Exists(digest))
                continue;
            using var source = open();
            store.Ingest(source, blob);
        }
    }
}
