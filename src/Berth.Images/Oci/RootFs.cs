using System.Text.Json.Serialization;
using Berth.Images.Content;

namespace Berth.Images.Oci;

/// <summary>The uncompressed digests of the layers (diff IDs), bottom first; <see cref="Type"/> is always "layers".</summary>
public sealed record RootFs
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("diff_ids")]
    public IReadOnlyList<Digest> DiffIds { get; set; } = [];
}
