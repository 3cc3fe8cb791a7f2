namespace Berth.Images.Formats;

/// <summary>
/// A forward-only stream that states its length up front. TarWriter needs the size of a member before
/// its data, and otherwise seeks back in the archive to patch the header, which a pipe cannot do; the
/// exporters know the size (from the store, or from a first decompression pass). Reading more or
/// fewer bytes than announced is an error, since the tar would be corrupt.
/// </summary>
internal sealed class KnownLengthStream(Stream inner, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    // TarWriter asks for Length and Position only of a seekable stream.
    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set
        {
            if (value != _position)
                throw new NotSupportedException();
        }
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, length - _position)]);
        _position += n;
        if (n == 0 && buffer.Length > 0 && _position < length)
            throw new IOException($"stream ended after {_position} of {length} bytes");
        if (_position == length && buffer.Length > n && inner.Read(new byte[1]) > 0)
            throw new IOException($"stream holds more than the {length} bytes announced");
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override long Seek(long offset, SeekOrigin origin) =>
        (origin == SeekOrigin.Current && offset == 0) || (origin == SeekOrigin.Begin && offset == _position)
            ? _position
            : throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
