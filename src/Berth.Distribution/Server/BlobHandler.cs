using System.Globalization;
using Berth.Distribution.Server.Storage;
using Berth.Images.Content;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Server;

/// <summary><c>GET</c>, <c>HEAD</c> and <c>DELETE /v2/&lt;name&gt;/blobs/&lt;digest&gt;</c>.</summary>
internal sealed class BlobHandler(RegistryStorage storage)
{
    public async Task GetAsync(HttpContext context, string name, string reference)
    {
        var digest = RegistryHttp.ParseDigest(reference);
        if (!storage.Database.Read(tx => tx.IsLinked(name, digest)))
            throw ErrorResponseException.BlobUnknown(digest.ToString());
        FileStream stream;
        try
        {
            stream = storage.Content.OpenRead(digest);
        }
        catch (ContentNotFoundException)
        {
            // Linked but collected (gc ran while the repository still named it): unknown all the same.
            throw ErrorResponseException.BlobUnknown(digest.ToString());
        }
        await using (stream.ConfigureAwait(false))
        {
            var response = context.Response;
            var length = stream.Length;
            response.Headers[RegistryHttp.ContentDigestHeader] = digest.ToString();
            response.Headers.ETag = $"\"{digest}\"";
            response.Headers.AcceptRanges = "bytes";
            response.ContentType = "application/octet-stream";
            ByteRange? range;
            try
            {
                range = ByteRange.Parse(context.Request.Headers.Range, length);
            }
            catch (RangeNotSatisfiableException)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{length}";
                response.ContentLength = 0;
                return;
            }
            var start = range?.Start ?? 0;
            var count = range?.Length ?? length;
            if (range is { } r)
            {
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {r.Start}-{r.End}/{length}");
            }
            response.ContentLength = count;
            if (HttpMethods.IsHead(context.Request.Method))
                return;
            stream.Seek(start, SeekOrigin.Begin);
            await CopyAsync(stream, response.Body, count, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Unlinks the blob from the repository; its bytes stay until <c>berth registry gc</c> finds nothing referencing them.</summary>
    public Task DeleteAsync(HttpContext context, string name, string reference)
    {
        var digest = RegistryHttp.ParseDigest(reference);
        if (!storage.Database.Write(tx => tx.Unlink(name, digest)))
            throw ErrorResponseException.BlobUnknown(digest.ToString());
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static async Task CopyAsync(Stream source, Stream target, long count, CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        while (count > 0)
        {
            var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancel).ConfigureAwait(false);
            if (n == 0)
                throw new IOException("blob ended before its recorded length");
            await target.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
            count -= n;
        }
    }
}
