using System.Net;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Credentials;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Transport;

namespace Berth.Distribution.Client.Login;

/// <summary>
/// docker login: proves the credentials against the registry (GET /v2/ through its challenge,
/// a token fetched with them when it asks for bearer auth) before anything is stored.
/// </summary>
public static class RegistryLogin
{
    /// <summary>Returns the credential to store: with the identity token the realm issued, if any, in place of the password.</summary>
    /// <exception cref="RegistryAuthException">The registry refused the credentials.</exception>
    public static async Task<RegistryCredential> VerifyAsync(RegistryClientOptions options, string serverAddress, RegistryCredential credential, CancellationToken ct)
    {
        var domain = ServerAddress.DomainOf(serverAddress);
        using var transport = new RegistryTransport(domain, options, credential, push: true);
        await transport.PingAsync(ct).ConfigureAwait(false);
        var authorizer = transport.Authorizer;
        if (!authorizer.HasChallenge)
            return credential;
        await authorizer.VerifyAsync([], ct).ConfigureAwait(false);
        var url = transport.Endpoint.Resolve("/v2/");
        using var response = await transport.SendAsync(HttpMethod.Get, url, [], ct).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new RegistryAuthException($"login attempt to {url} failed with status: {(int)response.StatusCode} {response.ReasonPhrase}", response.StatusCode);
        if (!response.IsSuccessStatusCode)
            throw await RegistryRepository.ErrorAsync(response, $"login attempt to {url}", ct).ConfigureAwait(false);
        return authorizer.LastRefreshToken is { Length: > 0 } refresh && !credential.HasIdentityToken
            ? new RegistryCredential(credential.Username, "", refresh)
            : credential;
    }
}
