using System.Collections.Concurrent;

namespace Berth.Distribution.Client.Auth;

/// <summary>
/// Tokens per realm, service and scope set, until they expire. Parallel blob transfers share one
/// cache, so a token is fetched once per scope rather than once per request.
/// </summary>
public sealed class TokenCache(TimeProvider clock)
{
    /// <summary>Renew this long before the stated expiry so a token does not lapse in flight.</summary>
    private static readonly TimeSpan s_margin = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, BearerToken> _tokens = new(StringComparer.Ordinal);

    public static string Key(string realm, string? service, IEnumerable<string> scopes) =>
        $"{realm}\n{service}\n{string.Join(' ', scopes.Order(StringComparer.Ordinal))}";

    public BearerToken? Get(string key) =>
        _tokens.TryGetValue(key, out var token) && token.ExpiresAt - s_margin > clock.GetUtcNow() ? token : null;

    public void Put(string key, BearerToken token) => _tokens[key] = token;

    /// <summary>Forgets a token the registry refused (revoked, or its scope was not granted).</summary>
    public void Invalidate(string key) => _tokens.TryRemove(key, out _);
}
