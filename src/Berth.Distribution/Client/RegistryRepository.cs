using System.Net;
using System.Net.Http.Headers;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Transport;
using Berth.Distribution.Protocol;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Client;

/// <summary>
/// One repository on a registry (<c>/v2/&lt;name&gt;/…</c>): manifests and blobs, verified on the
/// way in (REG-DIG-2, REG-SIZE-1). Uploads are in <c>RegistryRepository.Upload.cs</c>.
/// </summary>
public sealed partial class RegistryRepository(RegistryTransport transport, string name)
{
    /// <summary>What pulls ask for, best first; schema 1 is not offered (Berth refuses it).</summary>
    public static readonly string[] ManifestMediaTypes =
        [MediaTypes.OciIndex, MediaTypes.OciManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest];

    public RegistryTransport Transport => transport;

    /// <summary>The repository path: "library/busybox".</summary>
    public string Name => name;

    public IReadOnlyList<string> PullScope => [$"repository:{name}:pull"];

    public IReadOnlyList<string> PushScope => [$"repository:{name}:pull,push"];

    public Uri Url(string path) => transport.Endpoint.Resolve($"/v2/{name}/{path}");

    /// <summary>
    /// Fetches a manifest by tag or digest and checks its bytes: by digest they must hash to it; by
    /// tag the digest is computed from them, and a <c>Docker-Content-Digest</c> that disagrees is an
    /// error. Refused unread past <see cref="ManifestParser.MaxDocumentSize"/>.
    /// </summary>
    public async Task<FetchedManifest> GetManifestAsync(string reference, Digest? expected, CancellationToken ct)
    {
        var what = $"manifest {name}:{reference}";
        using var response = await transport.SendAsync(
            u =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, u);
                foreach (var type in ManifestMediaTypes)
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                return request;
            },
            Url("manifests/" + reference), PullScope, idempotent: true, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw await ErrorAsync(response, $"manifest for {transport.Domain}/{name}:{reference} not found", ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, $"fetch {what}", ct).ConfigureAwait(false);
        var bytes = await HttpBodies.ReadBoundedAsync(response, ManifestParser.MaxDocumentSize, what, ct).ConfigureAwait(false);
        var digest = Digest.Compute(bytes, expected?.Algorithm ?? Digest.Sha256);
        if (expected is { } want && digest != want)
            throw new RegistryVerificationException($"manifest verification failed for digest {want}: content has digest {digest}");
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values)
            && Digest.TryParse(values.FirstOrDefault(), out var claimed, out _))
        {
            var ours = claimed.Algorithm == digest.Algorithm ? digest : Digest.Compute(bytes, claimed.Algorithm);
            if (claimed != ours)
                throw new RegistryVerificationException($"{what}: Docker-Content-Digest {claimed} does not match the content's digest {ours}");
        }
        var contentType = response.Content.Headers.ContentType?.MediaType;
        var declared = contentType is not null && (MediaTypes.IsIndex(contentType) || MediaTypes.IsManifest(contentType)) ? contentType : null;
        var mediaType = ManifestParser.DetectMediaType(bytes, digest, declared);
        return new FetchedManifest(bytes, digest, mediaType);
    }

    /// <summary>HEAD on a blob: its size when the repository has it, null when not.</summary>
    public async Task<long?> StatBlobAsync(Digest digest, IReadOnlyList<string> scope, CancellationToken ct)
    {
        using var response = await transport.SendAsync(HttpMethod.Head, Url("blobs/" + digest), scope, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, $"head blob {digest} in {name}", ct).ConfigureAwait(false);
        return response.Content.Headers.ContentLength ?? -1;
    }

    /// <summary>GET on a blob from <paramref name="offset"/> on (a Range request when above 0); the caller checks for 206.</summary>
    public Task<HttpResponseMessage> GetBlobAsync(Digest digest, long offset, CancellationToken ct) =>
        transport.SendAsync(u => RangeRequest(u, offset), Url("blobs/" + digest), PullScope, idempotent: true, ct);

    /// <summary>GET on a foreign layer URL: never authorized, whatever host it names (CVE-2020-15157, REG-AUTH-2).</summary>
    public Task<HttpResponseMessage> GetForeignAsync(Uri url, long offset, CancellationToken ct) =>
        transport.SendAsync(u => RangeRequest(u, offset), url, [], idempotent: true, ct, authorize: false);

    private static HttpRequestMessage RangeRequest(Uri uri, long offset)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (offset > 0)
            request.Headers.Range = new RangeHeaderValue(offset, null);
        return request;
    }

    /// <summary>An exception carrying what the registry said, in docker's "…: unauthorized: …" form.</summary>
    internal static async Task<RegistryException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        IReadOnlyList<ErrorEntry> errors = [];
        try
        {
            var body = await HttpBodies.ReadBoundedAsync(response, RegistryErrorParser.MaxBodySize, what, ct).ConfigureAwait(false);
            errors = RegistryErrorParser.Parse(body);
        }
        catch (RegistryException)
        {
        }
        catch (HttpRequestException)
        {
        }
        var said = RegistryErrorParser.Describe(errors) ?? $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        var message = $"{what}: {said}";
        return response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? new RegistryAuthException(message, response.StatusCode, errors)
            : new RegistryException(message, response.StatusCode, errors);
    }
}
