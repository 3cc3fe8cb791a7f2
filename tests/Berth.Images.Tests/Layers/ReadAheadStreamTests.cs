using System.Security.Cryptography;
using Berth.Images.Layers;

namespace Berth.Images.Tests.Layers;

public sealed class ReadAheadStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    [InlineData(1 << 20)]
    public void Gives_the_sources_bytes_in_order_whatever_the_read_size(int readSize)
    {
        var data = RandomNumberGenerator.GetBytes(3_000_001);
        using var s = new ReadAheadStream(new MemoryStream(data));
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = s.Read(buffer)) > 0)
            output.Write(buffer, 0, n);

        Assert.Equal(data, output.ToArray());
        Assert.Equal(0, s.Read(buffer));
    }

    [Fact]
    public void An_exception_of_the_source_reaches_the_reader_as_it_was_thrown()
    {
        using var s = new ReadAheadStream(new FailingStream(after: 600_000));
        var buffer = new byte[65536];

        var e = Assert.Throws<InvalidDataException>(() =>
        {
            while (s.Read(buffer) > 0)
            {
            }
        });
        Assert.Equal("bad bytes", e.Message);
    }

    [Fact]
    public void Dispose_stops_the_reading_thread_and_the_source_is_disposed_before_it_returns()
    {
        var source = new FailingStream(after: long.MaxValue);
        var s = new ReadAheadStream(source, depth: 2);
        Assert.Equal(10, s.Read(new byte[10]));

        s.Dispose();

        Assert.True(source.Disposed);
        var reads = source.Reads;
        Thread.Sleep(50);
        Assert.Equal(reads, source.Reads);
    }

    /// <summary>Endless bytes until <c>after</c>, then InvalidDataException; counts its reads.</summary>
    private sealed class FailingStream(long after) : Stream
    {
        private long _position;

        public bool Disposed { get; private set; }

        public int Reads { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            Reads++;
            if (_position >= after)
                throw new InvalidDataException("bad bytes");
            var n = (int)Math.Min(count, after - _position);
            _position += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
