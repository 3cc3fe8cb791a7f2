using Berth.Images.Oci;

namespace Berth.Images.Content;

/// <summary>
/// Reads a blob from where it comes from (an archive member, later a registry response) and writes
/// every byte read into the content store's ingest on the way, so a layer is extracted and stored in
/// one pass over its bytes. The blob becomes visible only by <see cref="Commit"/>, which verifies its
/// size and digest as any ingest does; disposed without a commit, the ingest is discarded.
/// </summary>
public sealed class IngestingStream : ReadOnlyStream, IBlobIngest
{
    private readonly Stream _source;
    private readonly ContentWriter _writer;
    private readonly Descriptor _blob;
    private readonly ContentStore _store;
    private bool _committed;

    private IngestingStream(ContentStore store, Stream source, ContentWriter writer, Descriptor blob)
    {
        _store = store;
        _source = source;
        _writer = writer;
        _blob = blob;
    }

    /// <summary>
    /// A stream over <paramref name="source"/> that ingests <paramref name="blob"/> as it is read, or
    /// null when it need not or cannot: the store has the blob already, or another writer is at work
    /// on it (the caller then reads the source alone). The source is owned by the stream either way.
    /// </summary>
    public static IngestingStream? TryOpen(ContentStore store, Stream source, Descriptor blob)
    {
        ContentWriter writer;
        try
        {
            // A ref of its own: a resumed ingest would have bytes this pass does not read again.
            writer = store.OpenWriter($"tee-{blob.Digest.Encoded}-{Guid.NewGuid():N}", blob.Size, blob.Digest);
        }
        catch (Exception e) when (e is ContentAlreadyExistsException or ContentLockedException)
        {
            return null;
        }
        return new IngestingStream(store, source, writer, blob);
    }

    public override long Position
    {
        get => _writer.Offset;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = _source.Read(buffer);
        _writer.Write(buffer[..n]);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads what is left of the source, then verifies and publishes the blob.</summary>
    public CommitResult Commit()
    {
        _source.CopyTo(_writer);
        _committed = true;
        return _writer.Commit(_blob.Size, _blob.Digest);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
            _writer.Dispose();
            if (!_committed)
                _store.Abort(_writer.Reference);
        }
        base.Dispose(disposing);
    }
}
