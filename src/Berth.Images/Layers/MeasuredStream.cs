using System.Security.Cryptography;
using Berth.Images.Content;

namespace Berth.Images.Layers;

/// <summary>
/// A read-only pass-through that hashes and counts every byte read, so a layer is digested in the
/// same pass that extracts it, with no temp copy. Remembers whether the end was reached, and can
/// hand back a few bytes that were peeked at (magic number detection). Without an algorithm it
/// only counts.
/// </summary>
internal sealed class MeasuredStream(Stream inner, string? algorithm, Action<long>? afterRead = null,
    Func<Exception, Exception?>? mapReadError = null) : Stream
{
    private readonly IncrementalHash? _hash = algorithm is null ? null : Digest.CreateHasher(algorithm);
    private byte[] _pending = [];
    private int _pendingOffset;

    public long BytesRead { get; private set; }

    /// <summary>True once the inner stream has reported its end.</summary>
    public bool ReachedEnd { get; private set; }

    public string? Algorithm => algorithm;

    private long _watch = -1;
    private int _watchCovered;
    private bool _watchZero;

    /// <summary>Starts checking whether the 512-byte block at <paramref name="offset"/> is all zeros (a tar end-of-archive marker).</summary>
    public void WatchBlock(long offset)
    {
        _watch = offset;
        _watchCovered = 0;
        _watchZero = true;
    }

    public bool WatchedBlockIsZero => _watch >= 0 && _watchCovered == 512 && _watchZero;

    /// <summary>Reads up to <paramref name="count"/> bytes that the next reads return again.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        var buf = new byte[count];
        var n = 0;
        while (n < count)
        {
            var k = Read(buf.AsSpan(n));
            if (k == 0)
                break;
            n += k;
        }
        _pending = buf[..n];
        _pendingOffset = 0;
        return _pending;
    }

    public override int Read(Span<byte> buffer)
    {
        if (_pendingOffset < _pending.Length)
        {
            var take = Math.Min(buffer.Length, _pending.Length - _pendingOffset);
            _pending.AsSpan(_pendingOffset, take).CopyTo(buffer);
            _pendingOffset += take;
            return take;
        }
        int n;
        try
        {
            n = inner.Read(buffer);
        }
        catch (Exception e) when (mapReadError?.Invoke(e) is { } mapped)
        {
            throw mapped;
        }
        if (n == 0)
        {
            ReachedEnd = true;
            return 0;
        }
        _hash?.AppendData(buffer[..n]);
        if (_watch >= 0)
        {
            var lo = Math.Max(BytesRead, _watch);
            var hi = Math.Min(BytesRead + n, _watch + 512);
            if (lo < hi)
            {
                _watchZero &= !buffer[(int)(lo - BytesRead)..(int)(hi - BytesRead)].ContainsAnyExcept((byte)0);
                _watchCovered += (int)(hi - lo);
            }
        }
        BytesRead += n;
        afterRead?.Invoke(BytesRead);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads to the end, so that the digest covers every byte (tar padding, trailing data).</summary>
    public void Drain()
    {
        var buf = new byte[81920];
        while (Read(buf) > 0)
        {
        }
    }

    public Digest GetDigest() => _hash is null
        ? throw new InvalidOperationException("stream was measured without a hash")
        : Digest.FromHash(algorithm!, _hash.GetCurrentHash());

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool _disposed;

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
            _hash?.Dispose();
        _disposed = true;
        base.Dispose(disposing);
    }
}
