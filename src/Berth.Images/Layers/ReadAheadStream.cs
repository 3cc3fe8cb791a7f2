using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Berth.Images.Layers;

/// <summary>
/// Reads a stream on a thread of its own, a few chunks ahead of the reader: a layer's download and
/// decompression run on one core while its files are written on another, so the largest layer of a
/// pull, the one every other waits for, is not bound to one core. The source is owned and disposed
/// by the reading thread once it stops; <see cref="Dispose(bool)"/> stops it and waits for that,
/// so nothing reads the source after the stream is gone. An exception of the source is rethrown,
/// as it was thrown, to the reader.
/// </summary>
public sealed class ReadAheadStream : ReadOnlyStream
{
    private const int ChunkSize = 256 * 1024;

    private readonly Stream _source;
    private readonly BlockingCollection<Chunk> _chunks;
    private readonly Thread _thread;
    private volatile bool _stopped;
    private Chunk? _current;
    private int _offset;
    private bool _ended;

    /// <param name="depth">chunks of 256 KiB read ahead at most</param>
    public ReadAheadStream(Stream source, int depth = 4)
    {
        _source = source;
        _chunks = new BlockingCollection<Chunk>(depth);
        _thread = new Thread(Produce) { IsBackground = true, Name = "read-ahead" };
        _thread.Start();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _ended)
            return 0;
        while (_current is null || _offset == _current.Length)
        {
            Release();
            var next = _chunks.Take();
            if (next.Error is { } error)
            {
                _ended = true;
                error.Throw();
            }
            if (next.Length == 0)
            {
                _ended = true;
                return 0;
            }
            _current = next;
            _offset = 0;
        }
        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.Buffer.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    private void Produce()
    {
        try
        {
            while (!_stopped)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                int filled;
                try
                {
                    filled = Fill(buffer);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _chunks.Add(new Chunk([], 0, null));
                    return;
                }
                _chunks.Add(new Chunk(buffer, filled, null));
            }
        }
        catch (Exception e)
        {
            if (!_stopped)
                _chunks.Add(new Chunk([], 0, ExceptionDispatchInfo.Capture(e)));
        }
        finally
        {
            _source.Dispose();
        }
    }

    /// <summary>Reads until the chunk is full or the source ends: fewer, larger hand-overs between the threads.</summary>
    private int Fill(byte[] buffer)
    {
        var filled = 0;
        while (filled < ChunkSize && !_stopped)
        {
            var n = _source.Read(buffer, filled, ChunkSize - filled);
            if (n == 0)
                break;
            filled += n;
        }
        return filled;
    }

    private void Release()
    {
        if (_current is { Length: > 0 } done)
            ArrayPool<byte>.Shared.Return(done.Buffer);
        _current = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_stopped)
        {
            _stopped = true;
            // Make room for the reading thread's last Add, then wait until it has let go of the source.
            while (_thread.IsAlive)
            {
                while (_chunks.TryTake(out var chunk))
                {
                    if (chunk.Length > 0)
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                }
                _thread.Join(10);
            }
            Release();
            _chunks.Dispose();
        }
        base.Dispose(disposing);
    }

    private sealed record Chunk(byte[] Buffer, int Length, ExceptionDispatchInfo? Error);
}
