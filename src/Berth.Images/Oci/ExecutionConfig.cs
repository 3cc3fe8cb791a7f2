using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

/// <summary>
/// The defaults for a container run from the image: the config's inner <c>config</c> object, whose
/// field names are Docker's PascalCase ones, as the image spec keeps them.
/// </summary>
public sealed record ExecutionConfig
{
    [JsonPropertyName("User")]
    public string? User { get; init; }

    [JsonPropertyName("ExposedPorts")]
    public IReadOnlyDictionary<string, EmptyObject>? ExposedPorts { get; init; }

    [JsonPropertyName("Env")]
    public IReadOnlyList<string>? Env { get; init; }

    [JsonPropertyName("Entrypoint")]
    public IReadOnlyList<string>? Entrypoint { get; init; }

    [JsonPropertyName("Cmd")]
    public IReadOnlyList<string>? Cmd { get; init; }

    [JsonPropertyName("Volumes")]
    public IReadOnlyDictionary<string, EmptyObject>? Volumes { get; init; }

    [JsonPropertyName("WorkingDir")]
    public string? WorkingDir { get; init; }

    [JsonPropertyName("Labels")]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    [JsonPropertyName("StopSignal")]
    public string? StopSignal { get; init; }

    [JsonPropertyName("ArgsEscaped")]
    public bool? ArgsEscaped { get; init; }

    /// <summary>Docker's extension, kept because <c>docker inspect</c> and the restart logic read it.</summary>
    [JsonPropertyName("Healthcheck")]
    public HealthConfig? Healthcheck { get; init; }

    [JsonPropertyName("OnBuild")]
    public IReadOnlyList<string>? OnBuild { get; init; }

    [JsonPropertyName("Shell")]
    public IReadOnlyList<string>? Shell { get; init; }
}
