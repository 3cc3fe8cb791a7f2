using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

/// <summary>Docker's image healthcheck; durations are in nanoseconds, as Docker writes them.</summary>
public sealed record HealthConfig
{
    [JsonPropertyName("Test")]
    public IReadOnlyList<string>? Test { get; init; }

    [JsonPropertyName("Interval")]
    public long Interval { get; init; }

    [JsonPropertyName("Timeout")]
    public long Timeout { get; init; }

    [JsonPropertyName("StartPeriod")]
    public long StartPeriod { get; init; }

    [JsonPropertyName("StartInterval")]
    public long StartInterval { get; init; }

    [JsonPropertyName("Retries")]
    public int Retries { get; init; }
}
