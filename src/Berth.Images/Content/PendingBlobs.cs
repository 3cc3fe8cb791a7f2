using System.Collections.Concurrent;
using Berth.Images.Oci;

namespace Berth.Images.Content;

/// <summary>
/// Blobs known by descriptor but not stored yet, with a way to read each: an archive member, or a
/// registry download. The unpack stores a layer while it extracts it, so its bytes are read once.
/// </summary>
public sealed class PendingBlobs
{
    private readonly ConcurrentDictionary<Digest, Entry> _blobs = new();

    public int Count => _blobs.Count;

    /// <summary>A blob read from <paramref name="open"/>; it is teed into an ingest of its own as the unpack reads it.</summary>
    public void Add(Descriptor blob, Func<Stream> open) => _blobs.TryAdd(blob.Digest, new Entry(blob, open, SelfIngesting: false));

    /// <summary>
    /// A blob whose stream stores itself: <paramref name="open"/> returns an <see cref="IBlobIngest"/>
    /// (or a plain stream of the stored blob, when another writer stored it meanwhile).
    /// </summary>
    public void AddIngesting(Descriptor blob, Func<Stream> open) => _blobs.TryAdd(blob.Digest, new Entry(blob, open, SelfIngesting: true));

    /// <summary>
    /// A stream of the blob that also ingests it (commit it once read: <see cref="IBlobIngest.Commit"/>),
    /// the plain source when another writer is storing it already, or null when the blob is not pending.
    /// </summary>
    public Stream? OpenIngesting(ContentStore store, Descriptor blob)
    {
        if (!_blobs.TryGetValue(blob.Digest, out var pending) || store.Exists(blob.Digest))
            return null;
        var source = pending.Open();
        if (pending.SelfIngesting)
            return source;
        return IngestingStream.TryOpen(store, source, pending.Blob) ?? source;
    }

    /// <summary>Stores every pending blob the store does not have yet, each verified against its descriptor.</summary>
    public void IngestRemaining(ContentStore store)
    {
        foreach (var (digest, entry) in _blobs)
        {
            if (store.Exists(digest))
                continue;
            using var source = entry.Open();
            if (source is IBlobIngest ingest)
                ingest.Commit();
            else if (!entry.SelfIngesting)
                store.Ingest(source, entry.Blob);
        }
    }

    private sealed record Entry(Descriptor Blob, Func<Stream> Open, bool SelfIngesting);
}
