using System.Globalization;

namespace Berth.Distribution.Server;

/// <summary>One range of a <c>Range: bytes=…</c> request header (RFC 9110 §14.1.2), resolved against a blob's length.</summary>
public readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length - 1;

    /// <summary>
    /// Null when the header is absent or not a single byte range (then the whole blob is served, as
    /// RFC 9110 allows); throws <see cref="RangeNotSatisfiableException"/> when it starts past the end.
    /// </summary>
    public static ByteRange? Parse(string? header, long length)
    {
        if (string.IsNullOrEmpty(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(','))
            return null;
        var spec = header["bytes=".Length..].Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
            return null;
        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.Length == 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
                return null;
            if (suffix == 0 || length == 0)
                throw new RangeNotSatisfiableException();
            var n = Math.Min(suffix, length);
            return new ByteRange(length - n, n);
        }
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            return null;
        var end = length - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
                return null;
            end = Math.Min(end, length - 1);
        }
        if (start >= length)
            throw new RangeNotSatisfiableException();
        return new ByteRange(start, end - start + 1);
    }
}

/// <summary>The requested range lies past the end of the blob: 416.</summary>
public sealed class RangeNotSatisfiableException() : Exception("requested range not satisfiable")
{
}
