using System.Globalization;
using System.IO.Pipelines;
using Berth.Distribution.Server.Storage;
using Berth.Images.Content;
using Microsoft.AspNetCore.Http;
using Microsoft.Win32.SafeHandles;

namespace Berth.Distribution.Server;

/// <summary><c>GET</c>, <c>HEAD</c> and <c>DELETE /v2/&lt;name&gt;/blobs/&lt;digest&gt;</c>.</summary>
internal sealed class BlobHandler(RegistryStorage storage)
{
    /// <summary>How much of a blob one read takes; 256 KiB keeps a 50 MB layer to ~200 reads and flushes.</summary>
    public const int ChunkSize = 256 * 1024;

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
            await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            await SendAsync(stream.SafeFileHandle, start, count, response.BodyWriter, context.RequestAborted).ConfigureAwait(false);
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

    /// <summary>
    /// Reads the blob straight into the response's pipe, <see cref="ChunkSize"/> at a time, so each
    /// byte is copied once in user space (page cache to pipe) and the socket write of one chunk overlaps
    /// the read of the next (Kestrel's response buffer, see <see cref="RegistryServer"/>). The read is a
    /// plain pread on the request's thread: the blob handle is synchronous, so an asynchronous read would
    /// only hand the same blocking pread to another pool thread and wait for it.
    /// </summary>
    private static async Task SendAsync(SafeFileHandle file, long offset, long count, PipeWriter target, CancellationToken cancel)
    {
        while (count > 0)
        {
            var memory = target.GetMemory(ChunkSize);
            var n = RandomAccess.Read(file, memory.Span[..(int)Math.Min(memory.Length, count)], offset);
            if (n == 0)
                throw new IOException("blob ended before its recorded length");
            target.Advance(n);
            offset += n;
            count -= n;
            var flush = await target.FlushAsync(cancel).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
                return;
        }
    }
}
