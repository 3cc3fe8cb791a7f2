namespace Berth.Images.Formats;

/// <summary>A read-only stream that copies every byte read from the source into a second stream.</summary>
internal sealed class TeeStream(Stream source, Stream copy) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer)
    {
        var n = source.Read(buffer);
        copy.Write(buffer[..n]);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
}
