namespace Berth.Distribution.Client.Auth;

/// <summary>A token from a realm, valid until <see cref="ExpiresAt"/>; the refresh token is kept for the next request.</summary>
public sealed record BearerToken(string Token, DateTimeOffset ExpiresAt, string? RefreshToken)
{
    public override string ToString() => $"BearerToken {{ ExpiresAt = {ExpiresAt:O} }}";
}
