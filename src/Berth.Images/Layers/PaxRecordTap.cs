using System.Text;

namespace Berth.Images.Layers;

/// <summary>
/// Follows the tar framing of the stream that <see cref="System.Formats.Tar.TarReader"/> reads and keeps
/// the raw bytes of each entry's <c>SCHILY.xattr.*</c> PAX records. TarReader decodes PAX values as
/// UTF-8, which mangles binary values such as <c>security.capability</c>; Go's archive/tar, which
/// writes most layers, stores them raw. TarReader reads one header at a time and entry data only on
/// demand, so when it returns an entry, <see cref="CurrentXattrs"/> belongs to that entry.
/// </summary>
internal sealed class PaxRecordTap(Stream inner) : ReadOnlyStream
{
    /// <summary>Extended headers larger than this are left to TarReader alone.</summary>
    private const int MaxCapture = 1 << 20;

    private readonly byte[] _header = new byte[512];
    private int _headerFill;
    private long _dataRemaining;
    private long _captureRemaining;
    private MemoryStream? _capture;
    private bool _ended;
    private Dictionary<string, byte[]>? _pending;

    public IReadOnlyDictionary<string, byte[]> CurrentXattrs { get; private set; } = new Dictionary<string, byte[]>();

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        var span = buffer[..n];
        while (!_ended && span.Length > 0)
        {
            if (_dataRemaining > 0)
            {
                var take = (int)Math.Min(_dataRemaining, span.Length);
                if (_capture is not null && _captureRemaining > 0)
                {
                    var c = (int)Math.Min(_captureRemaining, take);
                    _capture.Write(span[..c]);
                    _captureRemaining -= c;
                }
                _dataRemaining -= take;
                span = span[take..];
                if (_dataRemaining == 0 && _capture is not null)
                {
                    _pending = ParseRecords(_capture.ToArray());
                    _capture = null;
                }
                continue;
            }
            var h = Math.Min(512 - _headerFill, span.Length);
            span[..h].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += h;
            span = span[h..];
            if (_headerFill == 512)
            {
                _headerFill = 0;
                OnHeader();
            }
        }
        return n;
    }

    private void OnHeader()
    {
        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            _ended = true;
            return;
        }
        var type = (char)_header[156];
        var size = ParseSize(_header.AsSpan(124, 12));
        if (size < 0)
        {
            _ended = true;
            return;
        }
        _dataRemaining = (size + 511) / 512 * 512;
        if (type == 'x')
        {
            _capture = size <= MaxCapture ? new MemoryStream() : null;
            _captureRemaining = size;
            if (_dataRemaining == 0)
                _pending = [];
        }
        else if (type is not ('g' or 'L' or 'K'))
        {
            CurrentXattrs = _pending ?? [];
            _pending = null;
            // Hardlinks, symlinks, directories and devices carry no data to skip whatever size says.
            if (type is '1' or '2' or '3' or '4' or '5' or '6')
                _dataRemaining = 0;
        }
    }

    private static long ParseSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            long v = field[0] & 0x7f;
            foreach (var b in field[1..])
            {
                if (v > (long.MaxValue >> 8))
                    return -1;
                v = (v << 8) | b;
            }
            return v;
        }
        long octal = 0;
        foreach (var b in field)
        {
            if (b is 0 or (byte)' ')
            {
                if (octal > 0)
                    break;
                continue;
            }
            if (b is < (byte)'0' or > (byte)'7')
                return -1;
            octal = (octal * 8) + (b - '0');
        }
        return octal;
    }

    /// <summary>PAX records are "length key=value\n", the length counting the whole record, so values may hold any byte.</summary>
    private static Dictionary<string, byte[]> ParseRecords(byte[] data)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var pos = 0;
        while (pos < data.Length)
        {
            var space = Array.IndexOf(data, (byte)' ', pos);
            if (space < 0 || !int.TryParse(data.AsSpan(pos, space - pos), out var len) || len <= 0 || pos + len > data.Length)
                break;
            var record = data.AsSpan(space + 1, pos + len - space - 2);
            var eq = record.IndexOf((byte)'=');
            if (eq > 0)
            {
                var key = Encoding.UTF8.GetString(record[..eq]);
                if (key.StartsWith(XattrPolicy.SchilyPrefix, StringComparison.Ordinal))
                    result[key[XattrPolicy.SchilyPrefix.Length..]] = record[(eq + 1)..].ToArray();
            }
            pos += len;
        }
        return result;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
}
