using System.Text.Json.Serialization;
using Berth.Images.Content;

namespace Berth.Images.Oci;

/// <summary>A reference to content: what it is, its digest and its size (image-spec descriptor.md).</summary>
public sealed record Descriptor
{
    [JsonPropertyName("mediaType")]
    public string MediaType { get; set; } = "";

    [JsonPropertyName("digest")]
    public Digest Digest { get; init; }

    /// <summary>-1 when the document left it out, which validation refuses; the spec requires it.</summary>
    [JsonPropertyName("size")]
    public long Size { get; set; } = -1;

    [JsonPropertyName("urls")]
    public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>The content itself, embedded (base64 in JSON); it must hash to <see cref="Digest"/>.</summary>
    [JsonPropertyName("data")]
    public byte[]? Data { get; init; }

    [JsonPropertyName("platform")]
    public Platform? Platform { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }
}
