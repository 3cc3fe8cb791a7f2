using System.Net;
using Berth.Distribution.Client.Errors;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Client.Pull;

/// <summary>
/// Downloads one blob into the content store, verified against its descriptor's digest and size
/// while streaming (REG-DIG-1): nothing becomes visible unless both match. A connection that
/// breaks mid-blob is resumed with an HTTP Range request from what the ingest already holds.
/// </summary>
public sealed class BlobDownloader(RegistryRepository repository, ContentStore content, RegistryClientOptions options)
{
    private static readonly TimeSpan s_lockedRetry = TimeSpan.FromMilliseconds(200);

    /// <returns>false when the store already had the blob</returns>
    public async Task<bool> DownloadAsync(Descriptor blob, Action<long>? progress, CancellationToken ct)
    {
        var writer = await OpenWriterAsync(blob, ct).ConfigureAwait(false);
        if (writer is null)
            return false;
        using (writer)
        {
            await FillAsync(blob, writer, progress, ct).ConfigureAwait(false);
            try
            {
                writer.Commit(blob.Size, blob.Digest);
            }
            catch (ContentVerificationException e)
            {
                throw new RegistryVerificationException($"filesystem layer verification failed: {e.Message}");
            }
        }
        return true;
    }

    private async Task<ContentWriter?> OpenWriterAsync(Descriptor blob, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return content.OpenWriter(blob.Digest.ToString(), blob.Size, blob.Digest);
            }
            catch (ContentAlreadyExistsException)
            {
                return null;
            }
            catch (ContentLockedException)
            {
                // Another pull (this process or another) is fetching the same blob: wait for it.
                await Task.Delay(s_lockedRetry, ct).ConfigureAwait(false);
                if (content.Exists(blob.Digest))
                    return null;
            }
        }
    }

    private async Task FillAsync(Descriptor blob, ContentWriter writer, Action<long>? progress, CancellationToken ct)
    {
        var sources = new List<Uri?> { null };
        sources.AddRange((blob.Urls ?? []).Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri : null).Where(u => u is not null));
        RegistryException? last = null;
        foreach (var source in sources)
        {
            try
            {
                await FillFromAsync(blob, source, writer, progress, ct).ConfigureAwait(false);
                return;
            }
            catch (RegistryException e) when (e.IsNotFound && source != sources[^1])
            {
                // A foreign layer the registry does not serve: try the manifest's urls, without credentials.
                last = e;
            }
        }
        throw last ?? new RegistryException($"blob {blob.Digest}: no source");
    }

    private async Task FillFromAsync(Descriptor blob, Uri? foreign, ContentWriter writer, Action<long>? progress, CancellationToken ct)
    {
        var where = foreign is null ? $"blob {blob.Digest} from {repository.Name}" : $"blob {blob.Digest} from {foreign.GetLeftPart(UriPartial.Path)}";
        for (var resumes = 0; ; resumes++)
        {
            var offset = writer.Offset;
            using var response = foreign is null
                ? await repository.GetBlobAsync(blob.Digest, offset, ct).ConfigureAwait(false)
                : await repository.GetForeignAsync(foreign, offset, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                if (response.Content.Headers.ContentRange is not { From: { } from } || from != offset)
                    throw new RegistryException($"{where}: asked for bytes from {offset}, got range {response.Content.Headers.ContentRange}");
            }
            else if (response.StatusCode == HttpStatusCode.OK)
            {
                if (offset > 0)
                    writer.Truncate();
            }
            else
            {
                throw await RegistryRepository.ErrorAsync(response, $"fetch {where}", ct).ConfigureAwait(false);
            }
            // REG-SIZE-2: a body longer than the descriptor says is refused before it is read.
            if (response.Content.Headers.ContentLength is { } length && writer.Offset + length != blob.Size)
                throw new RegistryVerificationException($"{where}: registry sends {writer.Offset + length} bytes, the descriptor says {blob.Size}");
            try
            {
                await CopyAsync(response, writer, progress, ct).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && resumes < options.MaxResumes && !ct.IsCancellationRequested)
            {
                // The connection broke mid-body: the bytes so far stay in the ingest and the next request resumes after them.
                await Task.Delay(options.RetryBaseDelay, options.Clock, ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task CopyAsync(HttpResponseMessage response, ContentWriter writer, Action<long>? progress, CancellationToken ct)
    {
        using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await writer.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            progress?.Invoke(writer.Offset);
        }
    }
}
