using System.Text.Json.Serialization;

namespace Berth.Distribution.Protocol;

/// <summary>The body of every failed registry response: <c>{"errors":[{"code","message","detail"}]}</c>.</summary>
public sealed record ErrorResponse
{
    [JsonPropertyName("errors")]
    public IReadOnlyList<ErrorEntry> Errors { get; init; } = [];
}

/// <summary>One error of an <see cref="ErrorResponse"/>; <see cref="Code"/> is one of <see cref="ErrorCodes"/>.</summary>
public sealed record ErrorEntry
{
    [JsonPropertyName("code")]
    public string Code { get; init; } = "";

    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    /// <summary>Free-form; the spec allows any JSON value, Berth sends a string or nothing.</summary>
    [JsonPropertyName("detail")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Detail { get; init; }
}
