using System.Text.Json.Serialization;

namespace Berth.Distribution.Protocol;

/// <summary>The body of <c>GET /v2/&lt;name&gt;/tags/list</c>.</summary>
public sealed record TagList
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>The body of <c>GET /v2/_catalog</c>.</summary>
public sealed record Catalog
{
    [JsonPropertyName("repositories")]
    public IReadOnlyList<string> Repositories { get; init; } = [];
}
