using System.Net;
using System.Net.Http.Headers;
using Berth.Distribution.Client.Errors;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Client;

/// <summary>Uploads (distribution spec "push"): mount, upload sessions, monolithic and chunked blobs, manifests.</summary>
public sealed partial class RegistryRepository
{
    /// <summary>
    /// Asks the registry to link a blob from another repository it holds (<c>POST ?mount=&amp;from=</c>).
    /// Returns null when mounted (201); otherwise the upload session the registry opened instead (202).
    /// </summary>
    public async Task<Uri?> MountAsync(Digest digest, string from, CancellationToken ct)
    {
        var scope = new List<string>(PushScope) { $"repository:{from}:pull" };
        var url = Url($"blobs/uploads/?mount={Uri.EscapeDataString(digest.ToString())}&from={Uri.EscapeDataString(from)}");
        using var response = await transport.SendAsync(u => new HttpRequestMessage(HttpMethod.Post, u) { Content = Empty() }, url, scope, idempotent: false, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
            return null;
        if (response.StatusCode == HttpStatusCode.Accepted)
            return LocationOf(response, "mount");
        throw await ErrorAsync(response, $"mount blob {digest} from {from} into {name}", ct).ConfigureAwait(false);
    }

    /// <summary>Opens an upload session; returns where to send the bytes.</summary>
    public async Task<Uri> StartUploadAsync(CancellationToken ct)
    {
        using var response = await transport.SendAsync(u => new HttpRequestMessage(HttpMethod.Post, u) { Content = Empty() }, Url("blobs/uploads/"), PushScope, idempotent: false, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw await ErrorAsync(response, $"start upload to {name}", ct).ConfigureAwait(false);
        return LocationOf(response, "upload");
    }

    /// <summary>
    /// Sends a blob into an upload session: one PUT up to <see cref="RegistryClientOptions.MonolithicUploadLimit"/>,
    /// else PATCH chunks then a closing PUT. <paramref name="open"/> gives a fresh stream at offset 0 for each attempt.
    /// </summary>
    public async Task UploadAsync(Uri session, Descriptor blob, Func<Stream> open, Action<long>? progress, CancellationToken ct)
    {
        var options = transport.Options;
        if (blob.Size <= options.MonolithicUploadLimit)
        {
            await CloseAsync(session, blob, () => new StreamContent(open()), ct).ConfigureAwait(false);
            progress?.Invoke(blob.Size);
            return;
        }
        var location = session;
        var resyncs = 0;
        for (long offset = 0; offset < blob.Size;)
        {
            var length = (int)Math.Min(options.UploadChunkSize, blob.Size - offset);
            var chunk = new byte[length];
            using (var stream = open())
            {
                stream.Seek(offset, SeekOrigin.Begin);
                stream.ReadExactly(chunk);
            }
            var start = offset;
            using var response = await transport.SendAsync(
                u =>
                {
                    var content = new ByteArrayContent(chunk);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    // The distribution spec's Content-Range for PATCH: "start-end", inclusive, without a unit.
                    content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
                    return new HttpRequestMessage(HttpMethod.Patch, u) { Content = content };
                },
                location, PushScope, idempotent: false, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && resyncs++ < MaxUploadResyncs)
            {
                // The registry holds other bytes than we think (a chunk it stored before failing, then
                // sent again by the retry): ask it where the session stands and go on from there.
                (offset, location) = await UploadStatusAsync(location, blob, ct).ConfigureAwait(false);
                continue;
            }
            if (response.StatusCode != HttpStatusCode.Accepted)
                throw await ErrorAsync(response, $"upload blob {blob.Digest} to {name}: chunk at {start}", ct).ConfigureAwait(false);
            location = LocationOf(response, "upload");
            offset += length;
            progress?.Invoke(offset);
        }
        await CloseAsync(location, blob, Empty, ct).ConfigureAwait(false);
    }

    /// <summary>GET on an upload session: the offset after the bytes the registry holds (its Range header, "0-N"), and the session's URL.</summary>
    private async Task<(long Offset, Uri Location)> UploadStatusAsync(Uri location, Descriptor blob, CancellationToken ct)
    {
        using var response = await transport.SendAsync(HttpMethod.Get, location, PushScope, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NoContent)
            throw await ErrorAsync(response, $"upload blob {blob.Digest} to {name}: upload status", ct).ConfigureAwait(false);
        long offset = 0;
        if (response.Headers.TryGetValues("Range", out var values) && values.FirstOrDefault() is { } range)
        {
            var end = range.StartsWith("bytes=", StringComparison.Ordinal) ? range["bytes=".Length..] : range;
            var dash = end.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0 || !long.TryParse(end[(dash + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var last) || last < -1 || last >= blob.Size)
                throw new RegistryException($"upload blob {blob.Digest} to {name}: upload status has Range \"{range}\"");
            offset = last + 1;
        }
        return (offset, response.Headers.Location is null ? location : LocationOf(response, "upload status"));
    }

    private async Task CloseAsync(Uri location, Descriptor blob, Func<HttpContent> body, CancellationToken ct)
    {
        var url = WithQuery(location, "digest", blob.Digest.ToString());
        using var response = await transport.SendAsync(
            u =>
            {
                var content = body();
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return new HttpRequestMessage(HttpMethod.Put, u) { Content = content };
            },
            url, PushScope, idempotent: false, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
            throw await ErrorAsync(response, $"upload blob {blob.Digest} to {name}", ct).ConfigureAwait(false);
    }

    /// <summary>PUT a manifest or index under a tag or its digest; returns the digest the registry reports, checked against ours.</summary>
    public async Task<Digest> PutManifestAsync(string reference, byte[] bytes, string mediaType, CancellationToken ct)
    {
        var digest = Digest.Compute(bytes);
        using var response = await transport.SendAsync(
            u =>
            {
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return new HttpRequestMessage(HttpMethod.Put, u) { Content = content };
            },
            Url("manifests/" + reference), PushScope, idempotent: true, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
            throw await ErrorAsync(response, $"put manifest {name}:{reference}", ct).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values)
            && Digest.TryParse(values.FirstOrDefault(), out var claimed, out _) && claimed.Algorithm == digest.Algorithm && claimed != digest)
            throw new RegistryVerificationException($"put manifest {name}:{reference}: registry reports digest {claimed}, the manifest has {digest}");
        return digest;
    }

    /// <summary>The session URL from Location, which registries send relative or absolute.</summary>
    private static Uri LocationOf(HttpResponseMessage response, string what)
    {
        var location = response.Headers.Location
            ?? throw new RegistryException($"{what}: registry answered {(int)response.StatusCode} without a Location");
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private static Uri WithQuery(Uri uri, string key, string value)
    {
        var builder = new UriBuilder(uri);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + key + "=" + Uri.EscapeDataString(value);
        return builder.Uri;
    }

    private static ByteArrayContent Empty() => new([]);

    /// <summary>How many times one upload may re-read its session's state after a 416 before it fails.</summary>
    private const int MaxUploadResyncs = 3;
}
