using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

/// <summary>
/// The image configuration (image-spec config.md): what to run and the layers' uncompressed digests.
/// Its <see cref="Config"/> is untrusted input (IMG-CFG-1): consumers resolve its paths inside the rootfs.
/// </summary>
public sealed record ImageConfig
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("architecture")]
    public string Architecture { get; set; } = "";

    [JsonPropertyName("os")]
    public string OS { get; set; } = "";

    [JsonPropertyName("os.version")]
    public string? OSVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OSFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    [JsonPropertyName("config")]
    public ExecutionConfig? Config { get; init; }

    [JsonPropertyName("rootfs")]
    public RootFs? RootFs { get; init; }

    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    public Platform Platform => new Platform { OS = OS, Architecture = Architecture, Variant = Variant, OSVersion = OSVersion, OSFeatures = OSFeatures }.Normalize();
}
