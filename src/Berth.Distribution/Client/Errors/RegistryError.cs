using System.Text.Json.Serialization;

namespace Berth.Distribution.Client.Errors;

/// <summary>One entry of a registry's error body, as the distribution spec defines it.</summary>
public sealed record RegistryError
{
    [JsonPropertyName("code")]
    public string Code { get; init; } = "";

    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    [JsonPropertyName("detail")]
    public System.Text.Json.JsonElement? Detail { get; init; }
}

/// <summary>The body <c>{"errors":[…]}</c> a registry answers a failed request with.</summary>
public sealed record RegistryErrorBody
{
    [JsonPropertyName("errors")]
    public IReadOnlyList<RegistryError> Errors { get; init; } = [];
}
