using System.Security.Cryptography;
using Berth.Images.Formats;

namespace Berth.Images.Content;

/// <summary>
/// Appends to one ingest while hashing, then <see cref="Commit"/> verifies the bytes and publishes
/// them as a blob. Holds the ingest's lock until disposed; disposing without a commit keeps the
/// bytes so that a writer reopened with the same ref resumes at <see cref="Offset"/>.
/// Not thread-safe: one writer, one thread at a time.
/// </summary>
public sealed class ContentWriter : Stream
{
    private readonly ContentStore _store;
    private readonly string _dir;
    private readonly IngestLock _lock;
    private readonly FileStream _data;
    private readonly string _algorithm;
    private readonly DateTimeOffset _startedAt;
    private IncrementalHash _hasher;
    private const long WritebackStep = 8 << 20;
    private long _offset;
    private long _writebackFrom;
    private bool _done;

    internal ContentWriter(ContentStore store, string dir, IngestLock ingestLock, IngestStatus status, string algorithm)
    {
        _store = store;
        _dir = dir;
        _lock = ingestLock;
        Reference = status.Reference;
        Total = status.Total;
        Expected = status.Expected;
        _startedAt = status.StartedAt;
        _algorithm = algorithm;
        _data = new FileStream(Path.Combine(dir, IngestFiles.Data), FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        _hasher = Digest.CreateHasher(algorithm);
        _offset = Rehash(_data, _hasher);
        _writebackFrom = _offset;
    }

    public string Reference { get; }

    /// <summary>The size the writer was opened for, or -1 when unknown.</summary>
    public long Total { get; }

    public Digest? Expected { get; }

    /// <summary>Bytes written so far, including those from an interrupted earlier writer.</summary>
    public long Offset => _offset;

    public IngestStatus Status =>
        new(Reference, _offset, Total, Expected, _startedAt, File.GetLastWriteTimeUtc(_data.Name));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_done;

    public override long Length => _offset;

    public override long Position
    {
        get => _offset;
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckWrite(buffer.Length);
        _data.Write(buffer);
        _hasher.AppendData(buffer);
        _offset += buffer.Length;
        StartWritebackEvery();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckWrite(buffer.Length);
        await _data.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _hasher.AppendData(buffer.Span);
        _offset += buffer.Length;
        StartWritebackEvery();
    }

    /// <summary>
    /// Every few MiB, starts writing the bytes so far to disk without waiting, so the fsync of the
    /// commit has little left to do: the disk works while the download goes on.
    /// </summary>
    private void StartWritebackEvery()
    {
        if (_offset - _writebackFrom < WritebackStep)
            return;
        _data.Flush();
        Linux.Sys.StartWriteback((int)_data.SafeFileHandle.DangerousGetHandle(), _writebackFrom, _offset - _writebackFrom);
        _writebackFrom = _offset;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>A read-only stream of the bytes written so far (an interrupted ingest's, to replay them before new ones arrive).</summary>
    public Stream OpenWritten()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _data.Flush();
        // Positioned reads on the writer's own handle: they leave its append position alone.
        return new FileRegionStream(_data.SafeFileHandle, 0, _offset);
    }

    /// <summary>Starts the ingest over from byte 0, for a source that cannot seek to <see cref="Offset"/>.</summary>
    public void Truncate()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _data.SetLength(0);
        _data.Position = 0;
        _hasher.Dispose();
        _hasher = Digest.CreateHasher(_algorithm);
        _offset = 0;
        _writebackFrom = 0;
    }

    /// <summary>
    /// Verifies size and digest, makes the bytes durable and renames them into the blob store; the
    /// writer is finished afterwards. A mismatch discards the ingest and throws
    /// <see cref="ContentVerificationException"/>: nothing becomes visible.
    /// </summary>
    /// <param name="expectedSize">-1 to skip the size check (the digest still covers it).</param>
    public CommitResult Commit(long expectedSize, Digest expected)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        try
        {
            _data.Flush(flushToDisk: true);
            if (expectedSize >= 0 && _offset != expectedSize)
                throw new ContentVerificationException($"blob {expected}: size {_offset} does not match the expected {expectedSize}");
            var actual = expected.Algorithm == _algorithm
                ? Digest.FromHash(_algorithm, _hasher.GetHashAndReset())
                : ContentStore.Hash(_data, expected.Algorithm);
            if (actual != expected)
                throw new ContentVerificationException($"blob {expected}: content has digest {actual}");
            _data.Dispose();
            return _store.Publish(_dir, expected);
        }
        catch (ContentVerificationException)
        {
            _data.Dispose();
            IngestFiles.Discard(_dir);
            throw;
        }
        finally
        {
            Release();
        }
    }

    public override void Flush() => _data.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _done = true;
            Release();
        }
        base.Dispose(disposing);
    }

    private void Release()
    {
        _data.Dispose();
        _hasher.Dispose();
        _lock.Dispose();
    }

    private void CheckWrite(int count)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (Total >= 0 && _offset + count > Total)
            throw new ContentException($"ref {Reference}: writing {count} bytes at offset {_offset} exceeds the expected size {Total}");
    }

    private static long Rehash(FileStream data, IncrementalHash hasher)
    {
        data.Position = 0;
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = data.Read(buffer)) > 0)
        {
            hasher.AppendData(buffer, 0, n);
            total += n;
        }
        return total;
    }
}
