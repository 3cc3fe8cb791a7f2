using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

/// <summary>A list of manifests, usually one per platform (image-spec image-index.md; also Docker's manifest list).</summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; }

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("manifests")]
    public IReadOnlyList<Descriptor> Manifests { get; set; } = [];

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
