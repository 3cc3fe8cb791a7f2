using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

public sealed record HistoryEntry
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("comment")]
    public string? Comment { get; init; }

    /// <summary>True for a step that changed no files (ENV, CMD…) and so has no layer.</summary>
    [JsonPropertyName("empty_layer")]
    public bool? EmptyLayer { get; init; }
}
