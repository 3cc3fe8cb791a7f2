using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Transport;

namespace Berth.Distribution.Client.Auth;

/// <summary>
/// Gets a bearer token from a realm (REG-AUTH-1): with an identity token or a password, the OAuth2
/// form is POSTed first (grant_type refresh_token or password), falling back to GET on 404/405 as
/// containerd does for registries without the OAuth2 endpoint; otherwise a GET, with Basic
/// credentials when there are any, as docker does.
/// </summary>
public sealed class TokenFetcher(HandlerFactory handlers, RegistryClientOptions options)
{
    /// <summary>A token response is a small JSON document; anything larger is refused unread.</summary>
    private const int MaxResponseSize = 1 << 20;

    public const string ClientId = "berth";

    public async Task<BearerToken> FetchAsync(Uri realm, string? service, IReadOnlyList<string> scopes, RegistryCredential? credential, CancellationToken ct)
    {
        if (credential is { HasIdentityToken: true } || credential is { HasPassword: true })
        {
            var posted = await PostAsync(realm, service, scopes, credential, ct).ConfigureAwait(false);
            if (posted is not null)
                return posted;
        }
        return await GetAsync(realm, service, scopes, credential, ct).ConfigureAwait(false);
    }

    /// <returns>null when the realm has no OAuth2 endpoint (404, 405)</returns>
    private async Task<BearerToken?> PostAsync(Uri realm, string? service, IReadOnlyList<string> scopes, RegistryCredential credential, CancellationToken ct)
    {
        var form = new List<KeyValuePair<string, string>> { new("client_id", ClientId) };
        if (!string.IsNullOrEmpty(service))
            form.Add(new("service", service));
        if (scopes.Count > 0)
            form.Add(new("scope", string.Join(' ', scopes)));
        if (credential.HasIdentityToken)
        {
            form.Add(new("grant_type", "refresh_token"));
            form.Add(new("refresh_token", credential.IdentityToken!));
        }
        else
        {
            form.Add(new("grant_type", "password"));
            form.Add(new("username", credential.Username));
            form.Add(new("password", credential.Password));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            return null;
        return await ReadAsync(realm, response, credential.IdentityToken, ct).ConfigureAwait(false);
    }

    private async Task<BearerToken> GetAsync(Uri realm, string? service, IReadOnlyList<string> scopes, RegistryCredential? credential, CancellationToken ct)
    {
        var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] : "");
        if (!string.IsNullOrEmpty(service))
            Append(query, "service", service);
        foreach (var scope in scopes)
            Append(query, "scope", scope);
        if (credential is { HasPassword: true })
            Append(query, "account", credential.Username);
        var uri = new UriBuilder(realm) { Query = query.ToString() }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (credential is { HasPassword: true })
            request.Headers.Authorization = BasicHeader(credential);
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        return await ReadAsync(realm, response, null, ct).ConfigureAwait(false);
    }

    public static AuthenticationHeaderValue BasicHeader(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Headers.UserAgent.ParseAdd(options.UserAgent);
        try
        {
            // Token endpoints are never redirected through: a redirect would carry the password elsewhere.
            return await handlers.For(request.RequestUri!, skipVerify: false).SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryAuthException($"token realm {request.RequestUri!.GetLeftPart(UriPartial.Path)}: {e.Message}");
        }
    }

    private async Task<BearerToken> ReadAsync(Uri realm, HttpResponseMessage response, string? refreshToken, CancellationToken ct)
    {
        var where = realm.GetLeftPart(UriPartial.Path);
        var body = await HttpBodies.ReadBoundedAsync(response, MaxResponseSize, $"token realm {where}", ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var errors = RegistryErrorParser.Parse(body);
            var said = RegistryErrorParser.Describe(errors) ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";
            throw new RegistryAuthException($"token realm {where}: {said}", response.StatusCode, errors);
        }
        TokenResponse? token;
        try
        {
            token = JsonSerializer.Deserialize(body, ClientJson.Default.TokenResponse);
        }
        catch (JsonException e)
        {
            throw new RegistryAuthException($"token realm {where}: malformed token response: {e.Message}");
        }
        var value = token?.Token is { Length: > 0 } t ? t : token?.AccessToken;
        if (string.IsNullOrEmpty(value))
            throw new RegistryAuthException($"token realm {where}: response has no token");
        // A token without expires_in lives 60 seconds (the token spec's default).
        var lifetime = token!.ExpiresIn is > 0 and var s ? TimeSpan.FromSeconds(s) : options.DefaultTokenLifetime;
        return new BearerToken(value, options.Clock.GetUtcNow() + lifetime, token.RefreshToken ?? refreshToken);
    }

    private static void Append(StringBuilder query, string name, string value)
    {
        if (query.Length > 0)
            query.Append('&');
        query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
    }
}
