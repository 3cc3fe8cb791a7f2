using Microsoft.Win32.SafeHandles;

namespace Berth.Images.Formats;

/// <summary>
/// A read-only window on part of a file (one member of a tar archive), read with positioned reads:
/// several windows on one handle can be read at once from different threads.
/// </summary>
internal sealed class FileRegionStream(SafeFileHandle file, long offset, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 && value <= length ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, length - _position);
        if (want <= 0)
            return 0;
        var n = RandomAccess.Read(file, buffer[..want], offset + _position);
        if (n == 0)
            throw new EndOfStreamException($"archive ends {length - _position} bytes before the end of a member");
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
