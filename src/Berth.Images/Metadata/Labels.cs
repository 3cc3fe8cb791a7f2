using System.Text;
using System.Text.Json;

namespace Berth.Images.Metadata;

/// <summary>
/// Labels as they are stored in a column: a flat JSON object of strings. Written and read with
/// <see cref="Utf8JsonWriter"/> and <see cref="JsonDocument"/> so no reflection is involved (NativeAOT).
/// </summary>
internal static class Labels
{
    public static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public static string ToJson(IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
            return "{}";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                writer.WriteString(key, value);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IReadOnlyDictionary<string, string> FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json) || json == "{}")
            return Empty;
        using var doc = JsonDocument.Parse(json);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in doc.RootElement.EnumerateObject())
            labels[property.Name] = property.Value.GetString() ?? "";
        return labels;
    }
}
