using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Oci.Runtime;

/// <summary>
/// Syntax errors of a JSON document in the spec's own terms, with line and column
/// ("config.json: invalid JSON at line 3, column 7: unexpected character '}'"), and the quoting
/// messages use for values.
/// </summary>
internal static class JsonErrors
{
    private const int MaxQuotedLength = 64;

    public static void ThrowIfMalformed(ReadOnlySpan<byte> json, string source)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                // The reader checks structure only; bad UTF-8 or a lone surrogate escape in a
                // string surfaces when the string is decoded.
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    try
                    {
                        reader.GetString();
                    }
                    catch (InvalidOperationException ex)
                    {
                        var (line, column) = LineAndColumn(json, reader.TokenStartIndex);
                        throw new SpecException(source, "", $"invalid JSON at line {line + 1}, column {column + 1}: invalid UTF-8 or escape in string", ex);
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber ?? 0;
            var column = ex.BytePositionInLine ?? 0;
            var problem = DescribeSyntaxError(json, line, column);
            throw new SpecException(source, "", $"invalid JSON at line {line + 1}, column {column + 1}: {problem}", ex);
        }
    }

    /// <summary>Quotes a value for a message, escaped as JSON would and cut short if long.</summary>
    internal static string Quote(string? value)
    {
        value ??= "";
        var shown = value.Length > MaxQuotedLength ? value[..MaxQuotedLength] : value;
        var sb = new StringBuilder("\"");
        foreach (var c in shown)
        {
            _ = c switch
            {
                '"' or '\\' => sb.Append('\\').Append(c),
                < ' ' => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => sb.Append(c),
            };
        }

        return sb.Append(shown.Length < value.Length ? "…\"" : "\"").ToString();
    }

    /// <summary>Zero-based line and byte column of <paramref name="offset"/>, as the reader counts them.</summary>
    private static (long Line, long Column) LineAndColumn(ReadOnlySpan<byte> json, long offset)
    {
        var before = json[..(int)offset];
        var lastNewline = before.LastIndexOf((byte)'\n');
        return (before.Count((byte)'\n'), offset - lastNewline - 1);
    }

    /// <summary>
    /// Names what the reader stumbled on. The reader's own message is not used: NativeAOT builds
    /// with UseSystemResourceKeys replace it with a resource key.
    /// </summary>
    private static string DescribeSyntaxError(ReadOnlySpan<byte> json, long line, long column)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return "empty document";
        }

        var offset = 0;
        for (var l = 0L; l < line && offset < json.Length; l++)
        {
            var newline = json[offset..].IndexOf((byte)'\n');
            offset = newline < 0 ? json.Length : offset + newline + 1;
        }

        var at = offset + column;
        if (at >= json.Length)
        {
            return "unexpected end of input";
        }

        var b = json[(int)at];
        return b is > 0x20 and < 0x7f
            ? $"unexpected character '{(char)b}'"
            : $"unexpected byte 0x{b:X2}";
    }
}
