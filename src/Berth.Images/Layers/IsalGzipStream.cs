using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Berth.Images.Layers;

/// <summary>
/// Gzip decompression through Intel's ISA-L (<c>libisal.so.2</c>, Debian's <c>libisal2</c>), whose
/// inflate is three to four times faster than zlib's on the layers of a pull: the same reason
/// containerd hands gzip layers to ISA-L's <c>igzip</c> when it finds it. Used when the library is
/// there and passes a self-test at first use, else <see cref="GZipStream"/> does the work
/// (<c>BERTH_DISABLE_ISAL=1</c> forces that). Concatenated gzip members are decoded one after the
/// other, as gzip does; each member's CRC and length are checked by ISA-L.
/// </summary>
public sealed unsafe class IsalGzipStream : ReadOnlyStream
{
    // struct inflate_state of ISA-L 2.x on x86-64 (igzip_lib.h): the caller allocates it, so its
    // layout is part of the library's ABI. The self-test in Probe checks it against the library found.
    private const int StateSize = 87368;
    private const int NextOutOffset = 0;
    private const int AvailOutOffset = 8;
    private const int NextInOffset = 16;
    private const int AvailInOffset = 32;
    private const int BlockStateOffset = 21160;
    private const int CrcFlagOffset = 21172;
    private const uint IsalGzip = 1;
    private const uint BlockFinish = 5;
    private const int InputSize = 128 * 1024;

    private static readonly Lazy<Exports?> s_exports = new(Probe);

    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly Exports _isal;
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(InputSize, pinned: true);
    private byte* _state;
    private bool _sourceEnded;
    private bool _finished;

    private IsalGzipStream(Stream source, bool leaveOpen, Exports isal)
    {
        _source = source;
        _leaveOpen = leaveOpen;
        _isal = isal;
        _state = (byte*)NativeMemory.AllocZeroed(StateSize);
        Start();
    }

    /// <summary>Whether ISA-L is loaded and decodes gzip correctly here.</summary>
    public static bool Available => s_exports.Value is not null;

    /// <summary>A decompressing stream over <paramref name="source"/> through ISA-L, or zlib's when ISA-L is not available.</summary>
    public static Stream Open(Stream source, bool leaveOpen) =>
        s_exports.Value is { } isal ? new IsalGzipStream(source, leaveOpen, isal) : new GZipStream(source, CompressionMode.Decompress, leaveOpen);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_state is null, this);
        if (buffer.IsEmpty || _finished)
            return 0;
        fixed (byte* output = buffer)
        {
            while (true)
            {
                if (AvailIn == 0 && !_sourceEnded)
                    Refill();
                NextOut = output;
                AvailOut = (uint)buffer.Length;
                var rc = _isal.Inflate(_state);
                if (rc < 0)
                    throw new InvalidDataException(Describe(rc));
                var produced = buffer.Length - (int)AvailOut;
                if (BlockState == BlockFinish && !NextMember())
                    _finished = true;
                if (produced > 0)
                    return produced;
                if (_finished)
                    return 0;
                if (AvailIn == 0 && _sourceEnded)
                    throw new EndOfStreamException("the gzip stream ends before its last block");
            }
        }
    }

    /// <summary>After a member's trailer: whether another member follows (gzip's magic), which is then started.</summary>
    private bool NextMember()
    {
        if (AvailIn < 2 && !_sourceEnded)
            Refill();
        if (AvailIn == 0)
            return false;
        var next = NextIn;
        if (AvailIn < 2 || next[0] != 0x1f || next[1] != 0x8b)
            return false; // what follows the last member is not gzip: ignored, as gzip does
        var left = AvailIn;
        Start();
        NextIn = next;
        AvailIn = left;
        return true;
    }

    private void Start()
    {
        _isal.InflateInit(_state);
        *(uint*)(_state + CrcFlagOffset) = IsalGzip;
    }

    /// <summary>Moves the unread input to the front of the buffer and fills the rest from the source.</summary>
    private void Refill()
    {
        var left = (int)AvailIn;
        fixed (byte* input = _input)
        {
            if (left > 0)
                Buffer.MemoryCopy(NextIn, input, InputSize, left);
            var n = _source.Read(_input, left, InputSize - left);
            if (n == 0)
                _sourceEnded = true;
            NextIn = input;
            AvailIn = (uint)(left + n);
        }
    }

    private byte* NextOut
    {
        set => *(byte**)(_state + NextOutOffset) = value;
    }

    private uint AvailOut
    {
        get => *(uint*)(_state + AvailOutOffset);
        set => *(uint*)(_state + AvailOutOffset) = value;
    }

    private byte* NextIn
    {
        get => *(byte**)(_state + NextInOffset);
        set => *(byte**)(_state + NextInOffset) = value;
    }

    private uint AvailIn
    {
        get => *(uint*)(_state + AvailInOffset);
        set => *(uint*)(_state + AvailInOffset) = value;
    }

    private uint BlockState => *(uint*)(_state + BlockStateOffset);

    private static string Describe(int rc) => rc switch
    {
        -1 => "invalid deflate block",
        -2 => "invalid deflate symbol",
        -3 => "invalid lookback distance",
        -4 => "invalid gzip header",
        -5 => "unsupported compression method",
        -6 => "gzip checksum mismatch",
        _ => $"inflate error {rc}",
    };

    protected override void Dispose(bool disposing)
    {
        if (_state is not null)
        {
            NativeMemory.Free(_state);
            _state = null;
        }
        if (disposing && !_leaveOpen)
            _source.Dispose();
        base.Dispose(disposing);
    }


    /// <summary>
    /// Loads libisal.so.2 and checks, on two gzip members made by zlib, that it decodes them to the
    /// bytes that went in: a library whose state layout differs from the one above fails here, not on a layer.
    /// </summary>
    private static Exports? Probe()
    {
        if (Environment.GetEnvironmentVariable("BERTH_DISABLE_ISAL") is "1" or "true" || !RuntimeInformation.ProcessArchitecture.Equals(Architecture.X64)
            || !NativeLibrary.TryLoad("libisal.so.2", out var library))
            return null;
        if (!NativeLibrary.TryGetExport(library, "isal_inflate_init", out var init) || !NativeLibrary.TryGetExport(library, "isal_inflate", out var inflate))
            return null;
        var exports = new Exports((delegate* unmanaged<byte*, void>)init, (delegate* unmanaged<byte*, int>)inflate);
        try
        {
            var expected = new byte[300_000];
            for (var i = 0; i < expected.Length; i++)
                expected[i] = (byte)(i * 7 % 251 ^ i / 1000);
            var gz = new MemoryStream();
            foreach (var part in new[] { expected.AsMemory(0, 100_000), expected.AsMemory(100_000) })
            {
                using var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true);
                z.Write(part.Span);
            }
            gz.Position = 0;
            using var isal = new IsalGzipStream(gz, leaveOpen: false, exports);
            var actual = new MemoryStream();
            isal.CopyTo(actual);
            return actual.ToArray().AsSpan().SequenceEqual(expected) ? exports : null;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return null;
        }
    }

    private sealed class Exports(delegate* unmanaged<byte*, void> init, delegate* unmanaged<byte*, int> inflate)
    {
        public void InflateInit(byte* state) => init(state);

        public int Inflate(byte* state) => inflate(state);
    }
}
