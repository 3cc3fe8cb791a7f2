using System.Security.Cryptography;
using Berth.Images.Content;

namespace Berth.Images.Formats;

/// <summary>
/// Passes bytes through, in either direction, while hashing and counting them: the digest of a
/// stream that is consumed once (a diff ID while compressing, a blob while it streams to the store).
/// </summary>
internal sealed class DigestingStream(Stream inner, bool leaveOpen = false) : Stream
{
    private readonly IncrementalHash _hasher = Digest.CreateHasher(Digest.Sha256);

    public long BytesSeen { get; private set; }

    public Digest Digest => Digest.FromHash(Digest.Sha256, _hasher.GetCurrentHash());

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesSeen;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _hasher.AppendData(buffer[..n]);
        BytesSeen += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        _hasher.AppendData(buffer);
        BytesSeen += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Reads to the end, for a digest of the whole stream.</summary>
    public void Drain() => CopyTo(Null);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hasher.Dispose();
            if (!leaveOpen)
                inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
