using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Berth.Oci.Runtime;

/// <summary>
/// Turns System.Text.Json's exceptions, which name CLR types and "$"-rooted paths, into messages
/// in the spec's own terms: "config.json: process.args: expected array, got string".
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

    public static SpecException FromDeserialization(JsonException ex, ReadOnlySpan<byte> json, string source, JsonTypeInfo root)
    {
        var segments = ParsePath(ex.Path);
        var expected = segments is null ? null : ExpectedKind(root, segments);
        var actual = segments is null ? null : ActualValue(json, segments);
        var path = segments is null ? "" : ToDotted(segments);

        string problem;
        if (expected is null)
        {
            problem = "invalid value";
        }
        else
        {
            problem = actual is null ? $"expected {expected}" : $"expected {expected}, got {actual}";
        }

        return new SpecException(source, path, problem, ex);
    }

    /// <summary>
    /// Splits "$.linux.sysctl['net.ipv4.ip_forward']" or "$.mounts[3].options[0]" into
    /// property names (string) and array indices (int). Null if the path is absent or unparsable.
    /// </summary>
    internal static List<object>? ParsePath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath[0] != '$')
        {
            return null;
        }

        var segments = new List<object>();
        var i = 1;
        while (i < jsonPath.Length)
        {
            if (jsonPath[i] == '.')
            {
                var end = jsonPath.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? jsonPath.Length : end;
                segments.Add(jsonPath[(i + 1)..end]);
                i = end;
            }
            else if (jsonPath.AsSpan(i).StartsWith("['"))
            {
                var end = jsonPath.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }

                segments.Add(jsonPath[(i + 2)..end]);
                i = end + 2;
            }
            else if (jsonPath[i] == '[')
            {
                var end = jsonPath.IndexOf(']', i + 1);
                if (end < 0 || !int.TryParse(jsonPath.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return null;
                }

                segments.Add(index);
                i = end + 1;
            }
            else
            {
                return null;
            }
        }

        return segments;
    }

    /// <summary>Formats path segments as the validator does: "mounts[3].destination", "linux.sysctl[\"net.core.somaxconn\"]".</summary>
    internal static string ToDotted(IEnumerable<object> segments)
    {
        var sb = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment is int index)
            {
                sb.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                var name = (string)segment;
                if (name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                {
                    if (sb.Length > 0)
                    {
                        sb.Append('.');
                    }

                    sb.Append(name);
                }
                else
                {
                    sb.Append("[\"").Append(name).Append("\"]");
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>Follows the path through the generated metadata to name the JSON type the model wants there.</summary>
    private static string? ExpectedKind(JsonTypeInfo root, List<object> segments)
    {
        var info = root;
        foreach (var segment in segments)
        {
            Type? next = info.Kind switch
            {
                JsonTypeInfoKind.Object when segment is string name =>
                    info.Properties.FirstOrDefault(p => p.Name == name)?.PropertyType,
                JsonTypeInfoKind.Enumerable when segment is int => info.ElementType,
                JsonTypeInfoKind.Dictionary when segment is string => info.ElementType,
                _ => null,
            };
            if (next is null)
            {
                return null;
            }

            info = info.Options.GetTypeInfo(next);
        }

        return Describe(Nullable.GetUnderlyingType(info.Type) ?? info.Type, info.Kind);
    }

    private static string Describe(Type type, JsonTypeInfoKind kind) => kind switch
    {
        JsonTypeInfoKind.Enumerable => "array",
        JsonTypeInfoKind.Dictionary or JsonTypeInfoKind.Object => "object",
        _ when type == typeof(string) => "string",
        _ when type == typeof(bool) => "boolean",
        _ when type == typeof(byte) => "integer (uint8)",
        _ when type == typeof(ushort) => "integer (uint16)",
        _ when type == typeof(uint) => "integer (uint32)",
        _ when type == typeof(ulong) => "integer (uint64)",
        _ when type == typeof(short) => "integer (int16)",
        _ when type == typeof(int) => "integer (int32)",
        _ when type == typeof(long) => "integer (int64)",
        _ => "number",
    };

    /// <summary>Describes the value the document actually holds at the path ("string \"0\"", "number -1", "null").</summary>
    private static string? ActualValue(ReadOnlySpan<byte> json, List<object> segments)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var element = doc.RootElement;
            foreach (var segment in segments)
            {
                if (segment is int index && element.ValueKind == JsonValueKind.Array && index < element.GetArrayLength())
                {
                    element = element[index];
                }
                else if (segment is string name && element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var child))
                {
                    element = child;
                }
                else
                {
                    return null;
                }
            }

            return element.ValueKind switch
            {
                JsonValueKind.String => "string " + Quote(element.GetString() ?? ""),
                JsonValueKind.Number => "number " + element.GetRawText(),
                JsonValueKind.True or JsonValueKind.False => "boolean",
                JsonValueKind.Array => "array",
                JsonValueKind.Object => "object",
                JsonValueKind.Null => "null",
                _ => null,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
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
