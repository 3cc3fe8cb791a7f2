using System.Net.Http.Headers;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Transport;

namespace Berth.Distribution.Client.Auth;

/// <summary>
/// Authorizes requests to one registry endpoint: learns the scheme from its 401 challenges and
/// answers with Basic credentials or a bearer token for the request's scopes. Requests to any
/// other host get nothing (REG-AUTH-2): not a redirect target, not a foreign layer URL. Safe
/// for the parallel requests of one pull.
/// </summary>
public sealed class RegistryAuthorizer(RegistryEndpoint endpoint, RegistryCredential? credential, TokenFetcher fetcher, TokenCache cache)
{
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile AuthChallenge? _challenge;

    public RegistryEndpoint Endpoint => endpoint;

    public RegistryCredential? Credential => credential;

    /// <summary>The refresh token a realm issued, which login stores as docker's identitytoken.</summary>
    public string? LastRefreshToken { get; private set; }

    /// <summary>The Authorization header for a request, or null to send it anonymously.</summary>
    public async Task<AuthenticationHeaderValue?> AuthorizeAsync(Uri requestUri, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        if (!endpoint.Owns(requestUri) || _challenge is not { } challenge)
            return null;
        if (challenge.IsBasic)
            return credential is { HasPassword: true } ? TokenFetcher.BasicHeader(credential) : null;
        if (!challenge.IsBearer)
            return null;
        var token = await TokenAsync(challenge, scopes, ct).ConfigureAwait(false);
        return new AuthenticationHeaderValue("Bearer", token.Token);
    }

    /// <summary>
    /// Takes in a 401 from this endpoint. Returns true when a retry can succeed (a new or changed
    /// challenge, or a cached token the registry no longer accepts); false when the same
    /// credentials were just refused.
    /// </summary>
    /// <exception cref="RegistryAuthException">The challenge names a realm credentials must not go to.</exception>
    public bool OnUnauthorized(HttpResponseMessage response, IReadOnlyList<string> scopes, bool alreadyRetried)
    {
        if (response.RequestMessage?.RequestUri is not { } uri || !endpoint.Owns(uri))
            return false;
        var challenges = AuthChallenge.Parse(response.Headers.WwwAuthenticate.Select(h => h.ToString()));
        var challenge = challenges.FirstOrDefault(c => c.IsBearer) ?? challenges.FirstOrDefault(c => c.IsBasic);
        if (challenge is null)
            return false;
        if (challenge.IsBearer)
            RealmPolicy.Check(challenge["realm"], endpoint);
        var previous = _challenge;
        _challenge = challenge;
        if (challenge.IsBearer)
            cache.Invalidate(KeyFor(challenge, Merge(challenge, scopes)));
        if (alreadyRetried)
            return false;
        // Basic without credentials cannot succeed; a bearer challenge can, anonymously.
        return challenge.IsBearer || (credential is { HasPassword: true } && previous?.IsBasic != true);
    }

    /// <summary>Makes sure a token for <paramref name="scopes"/> can be had: login's check of the credentials.</summary>
    public async Task VerifyAsync(IReadOnlyList<string> scopes, CancellationToken ct)
    {
        if (_challenge is { IsBearer: true } challenge)
            await TokenAsync(challenge, scopes, ct).ConfigureAwait(false);
    }

    public bool HasChallenge => _challenge is not null;

    private async Task<BearerToken> TokenAsync(AuthChallenge challenge, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        var all = Merge(challenge, scopes);
        var key = KeyFor(challenge, all);
        if (cache.Get(key) is { } cached)
            return cached;
        await _fetching.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (cache.Get(key) is { } fetched)
                return fetched;
            var realm = RealmPolicy.Check(challenge["realm"], endpoint);
            var token = await fetcher.FetchAsync(realm, challenge["service"], all, credential, ct).ConfigureAwait(false);
            cache.Put(key, token);
            if (token.RefreshToken is { Length: > 0 } refresh)
                LastRefreshToken = refresh;
            return token;
        }
        finally
        {
            _fetching.Release();
        }
    }

    private static string KeyFor(AuthChallenge challenge, IReadOnlyList<string> scopes) =>
        TokenCache.Key(challenge["realm"] ?? "", challenge["service"], scopes);

    /// <summary>The scopes asked for plus the one the challenge names, each once.</summary>
    private static List<string> Merge(AuthChallenge challenge, IReadOnlyList<string> scopes)
    {
        var all = new List<string>(scopes);
        if (challenge["scope"] is { Length: > 0 } named)
        {
            foreach (var s in named.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!all.Contains(s))
                    all.Add(s);
            }
        }
        return all;
    }
}
