using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Errors;

namespace Berth.Distribution.Client.Transport;

/// <summary>
/// Sends requests to one registry: picks the endpoint that answers <c>/v2/</c> (falling back from
/// HTTPS to HTTP only for insecure registries, REG-TLS-2), authorizes them, answers 401
/// challenges, follows redirects itself without credentials to other hosts (REG-AUTH-2), and
/// retries 429/5xx with backoff honouring Retry-After.
/// </summary>
public sealed class RegistryTransport : IDisposable
{
    private const int MaxRedirects = 10;

    private readonly RegistryClientOptions _options;
    private readonly HandlerFactory _handlers;
    private readonly TokenFetcher _fetcher;
    private readonly TokenCache _tokens;
    private readonly RegistryCredential? _credential;
    private RegistryAuthorizer? _authorizer;

    public RegistryTransport(string domain, RegistryClientOptions options, RegistryCredential? credential, bool push)
    {
        Domain = domain;
        _options = options;
        _credential = credential;
        _handlers = new HandlerFactory(options);
        _fetcher = new TokenFetcher(_handlers, options);
        _tokens = new TokenCache(options.Clock);
        Candidates = RegistryHosts.For(domain, options, push);
    }

    /// <summary>The registry as an image reference names it: "docker.io", "127.0.0.1:5000".</summary>
    public string Domain { get; }

    public IReadOnlyList<RegistryEndpoint> Candidates { get; }

    public RegistryClientOptions Options => _options;

    public RegistryEndpoint Endpoint => _authorizer?.Endpoint ?? throw new InvalidOperationException("registry transport used before PingAsync");

    public RegistryAuthorizer Authorizer => _authorizer ?? throw new InvalidOperationException("registry transport used before PingAsync");

    /// <summary>
    /// GET /v2/ on each candidate in turn until one answers (any status but a server error):
    /// a connection or TLS failure moves to the next. A 401 records the challenge.
    /// </summary>
    public Task PingAsync(CancellationToken ct) => PingFromAsync(0, ct);

    /// <summary>
    /// Moves from a mirror to the next endpoint, as docker does when a mirror cannot serve an image:
    /// false when the current endpoint is not a mirror or no later one answers.
    /// </summary>
    public async Task<bool> FallBackFromMirrorAsync(CancellationToken ct)
    {
        if (_authorizer is not { Endpoint.IsMirror: true } current)
            return false;
        var next = Candidates.ToList().IndexOf(current.Endpoint) + 1;
        if (next == 0 || next >= Candidates.Count)
            return false;
        try
        {
            await PingFromAsync(next, ct).ConfigureAwait(false);
            return true;
        }
        catch (RegistryException)
        {
            _authorizer = current;
            return false;
        }
    }

    private async Task PingFromAsync(int first, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var candidate in Candidates.Skip(first))
        {
            var authorizer = new RegistryAuthorizer(candidate, candidate.IsMirror ? null : _credential, _fetcher, _tokens);
            _authorizer = authorizer;
            try
            {
                // Not idempotent for the retry's sake: a refused connection moves on to the next candidate at once.
                using var response = await SendAsync(u => new HttpRequestMessage(HttpMethod.Get, u), candidate.Resolve("/v2/"), [], idempotent: false, ct, authorize: false).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    if (response.Headers.WwwAuthenticate.Count == 0)
                        throw new RegistryAuthException($"registry {candidate}: 401 without a WWW-Authenticate challenge", response.StatusCode);
                    authorizer.OnUnauthorized(response, [], alreadyRetried: true);
                    return;
                }
                if (response.IsSuccessStatusCode)
                    return;
                failures.Add($"{candidate}: {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            catch (HttpRequestException e) when (IsConnectionFailure(e))
            {
                failures.Add($"{candidate}/v2/: {Describe(e)}");
            }
        }
        _authorizer = null;
        throw new RegistryException($"registry {Domain}: no endpoint answered: {string.Join("; ", failures)}");
    }

    /// <summary>
    /// Sends a request built by <paramref name="build"/> (called again for each attempt, redirect and
    /// retry) and returns the final response, which the caller disposes. 401 is answered once.
    /// </summary>
    /// <param name="idempotent">whether a dropped connection may be retried (GET, HEAD, PUT of a manifest)</param>
    public async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> build, Uri uri, IReadOnlyList<string> scopes, bool idempotent, CancellationToken ct, bool authorize = true)
    {
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage? response = null;
            try
            {
                response = await SendOnceAsync(build, uri, scopes, authorize, ct).ConfigureAwait(false);
                if (!RetryDelay.IsRetryable(response.StatusCode) || attempt + 1 >= _options.MaxAttempts)
                    return response;
                var delay = RetryDelay.For(response, attempt, _options);
                response.Dispose();
                await Task.Delay(delay, _options.Clock, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (idempotent && attempt + 1 < _options.MaxAttempts && !IsTlsFailure(e) && IsConnectionFailure(e))
            {
                response?.Dispose();
                await Task.Delay(RetryDelay.For(null, attempt, _options), _options.Clock, ct).ConfigureAwait(false);
            }
        }
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, IReadOnlyList<string> scopes, CancellationToken ct, bool authorize = true) =>
        SendAsync(u => new HttpRequestMessage(method, u), uri, scopes, method == HttpMethod.Get || method == HttpMethod.Head, ct, authorize);

    private async Task<HttpResponseMessage> SendOnceAsync(Func<Uri, HttpRequestMessage> build, Uri start, IReadOnlyList<string> scopes, bool authorize, CancellationToken ct)
    {
        var uri = start;
        var answeredChallenge = false;
        for (var hop = 0; ; hop++)
        {
            var request = build(uri);
            request.RequestUri = uri;
            request.Headers.UserAgent.ParseAdd(_options.UserAgent);
            var own = _authorizer is { } a && a.Endpoint.Owns(uri);
            if (authorize && own && request.Headers.Authorization is null)
                request.Headers.Authorization = await _authorizer!.AuthorizeAsync(uri, scopes, ct).ConfigureAwait(false);
            else if (!own)
                request.Headers.Authorization = null;
            var skipVerify = own ? _authorizer!.Endpoint.SkipTlsVerify : _options.Insecure.IsInsecure(uri.Authority) && uri.Scheme == Uri.UriSchemeHttps;
            var response = await _handlers.For(uri, skipVerify).SendAsync(request, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && authorize && own
                && _authorizer!.OnUnauthorized(response, scopes, answeredChallenge))
            {
                answeredChallenge = true;
                response.Dispose();
                continue;
            }
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
                return response;
            if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
                return response;
            if (hop >= MaxRedirects)
            {
                response.Dispose();
                throw new RegistryException($"{start}: more than {MaxRedirects} redirects");
            }
            var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (next.Scheme != Uri.UriSchemeHttps && !(next.Scheme == Uri.UriSchemeHttp && (uri.Scheme == Uri.UriSchemeHttp || _options.Insecure.IsInsecure(next.Authority))))
            {
                response.Dispose();
                throw new RegistryException($"{start}: refusing redirect from {uri.GetLeftPart(UriPartial.Authority)} to {next.GetLeftPart(UriPartial.Path)}");
            }
            response.Dispose();
            uri = next;
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>Nothing was exchanged at the HTTP level: refused, reset, TLS handshake failed, name unresolved.</summary>
    public static bool IsConnectionFailure(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError
            or HttpRequestError.NameResolutionError or HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
        || e.InnerException is IOException or SocketException or AuthenticationException;

    private static bool IsTlsFailure(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException;

    /// <summary>The innermost cause, which says what went wrong ("the remote certificate is invalid…").</summary>
    public static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
            inner = inner.InnerException;
        var message = inner == e || e.Message.Contains(inner.Message.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
            ? e.Message
            : inner.Message.Contains(e.Message.TrimEnd('.'), StringComparison.OrdinalIgnoreCase) ? inner.Message : $"{e.Message.TrimEnd('.')}: {inner.Message}";
        return message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.') : message;
    }

    public void Dispose() => _handlers.Dispose();
}
