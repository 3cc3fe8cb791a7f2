using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

/// <summary>One image for one platform: its config and its layers, bottom first (image-spec manifest.md; also Docker schema 2).</summary>
public sealed record ImageManifest
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; }

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("config")]
    public Descriptor? Config { get; init; }

    [JsonPropertyName("layers")]
    public IReadOnlyList<Descriptor> Layers { get; set; } = [];

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
