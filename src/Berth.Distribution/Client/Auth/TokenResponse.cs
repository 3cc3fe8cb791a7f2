using System.Text.Json.Serialization;

namespace Berth.Distribution.Client.Auth;

/// <summary>
/// A token endpoint's answer: the GET form (distribution's token spec) names it <c>token</c>,
/// the OAuth2 POST form <c>access_token</c>; registries often send both.
/// </summary>
public sealed record TokenResponse
{
    [JsonPropertyName("token")]
    public string? Token { get; init; }

    [JsonPropertyName("access_token")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("refresh_token")]
    public string? RefreshToken { get; init; }

    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; init; }

    [JsonPropertyName("issued_at")]
    public DateTimeOffset? IssuedAt { get; init; }
}
