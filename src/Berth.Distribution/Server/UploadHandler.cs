using System.Globalization;
using Berth.Distribution.Protocol;
using Berth.Distribution.Server.Storage;
using Berth.Images.Content;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Server;

/// <summary>
/// Blob uploads (distribution spec "Pushing blobs"):
/// <code>
/// POST   /v2/N/blobs/uploads/?digest=D         monolithic           → 201 Location: /v2/N/blobs/D
/// POST   /v2/N/blobs/uploads/?mount=D&amp;from=M  cross-repo mount     → 201, or 202 + session when M lacks D
/// POST   /v2/N/blobs/uploads/                  open a session       → 202 Location: /v2/N/blobs/uploads/U
/// PATCH  /v2/N/blobs/uploads/U                 chunk (Content-Range start-end must start at the offset, else 416)
/// GET    /v2/N/blobs/uploads/U                 status               → 204 Range: 0-(offset-1)
/// PUT    /v2/N/blobs/uploads/U?digest=D        last chunk + verify  → 201, or 400 DIGEST_INVALID and nothing linked
/// DELETE /v2/N/blobs/uploads/U                 cancel               → 204
/// </code>
/// Bodies stream straight into the session's content store ingest; nothing is buffered in memory.
/// </summary>
internal sealed class UploadHandler(RegistryStorage storage)
{
    public async Task StartAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        var mount = query["mount"].ToString();
        if (mount.Length > 0)
        {
            var mounted = RegistryHttp.ParseDigest(mount);
            var from = query["from"].ToString();
            // Mount only what the source repository itself links: the blob existing in the store under
            // some other repository must not make it reachable from here (REG-SRV-1).
            if (DistributionNames.IsValidRepository(from) && storage.Database.Read(tx => tx.IsLinked(from, mounted)) && storage.Content.Exists(mounted))
            {
                storage.Database.Write(tx => tx.Link(name, mounted));
                Created(context, name, mounted);
                return;
            }
        }
        var monolithic = query["digest"].ToString();
        // Parsed before the session exists, so that a bad digest leaves no session behind.
        Digest? digest = monolithic.Length > 0 ? RegistryHttp.ParseDigest(monolithic) : null;
        var id = storage.StartUpload(name);
        if (digest is { } expected)
            await FinishAsync(context, name, id, expected).ConfigureAwait(false);
        else
            Accepted(context, name, id, 0, StatusCodes.Status202Accepted);
    }

    public async Task PatchAsync(HttpContext context, string name, string id)
    {
        RequireSession(name, id);
        using var writer = OpenWriter(name, id);
        CheckContentRange(context, name, id, writer.Offset);
        await CopyBodyAsync(context, writer).ConfigureAwait(false);
        storage.Database.Write(tx => tx.TouchUpload(id));
        Accepted(context, name, id, writer.Offset, StatusCodes.Status202Accepted);
    }

    public async Task PutAsync(HttpContext context, string name, string id)
    {
        RequireSession(name, id);
        var digest = RegistryHttp.ParseDigest(context.Request.Query["digest"].FirstOrDefault());
        await FinishAsync(context, name, id, digest).ConfigureAwait(false);
    }

    public Task StatusAsync(HttpContext context, string name, string id)
    {
        RequireSession(name, id);
        using var writer = OpenWriter(name, id);
        Accepted(context, name, id, writer.Offset, StatusCodes.Status204NoContent);
        return Task.CompletedTask;
    }

    public Task CancelAsync(HttpContext context, string name, string id)
    {
        RequireSession(name, id);
        try
        {
            storage.CancelUpload(id);
        }
        catch (ContentLockedException)
        {
            throw InUse(name, id);
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private async Task FinishAsync(HttpContext context, string name, string id, Digest digest)
    {
        using var writer = OpenWriter(name, id);
        CheckContentRange(context, name, id, writer.Offset);
        await CopyBodyAsync(context, writer).ConfigureAwait(false);
        try
        {
            storage.CompleteUpload(name, id, writer, digest);
        }
        catch (ContentVerificationException e)
        {
            throw ErrorResponseException.DigestInvalid("provided digest did not match uploaded content", e.Message);
        }
        Created(context, name, digest);
    }

    private void RequireSession(string name, string id)
    {
        if (storage.FindUpload(name, id) is null)
            throw ErrorResponseException.UploadUnknown(id);
    }

    private ContentWriter OpenWriter(string name, string id)
    {
        try
        {
            return storage.OpenUpload(id);
        }
        catch (ContentLockedException)
        {
            throw InUse(name, id);
        }
    }

    private static ErrorResponseException InUse(string name, string id) =>
        new(StatusCodes.Status416RangeNotSatisfiable, ErrorCodes.BlobUploadInvalid, "blob upload invalid", $"upload {id} of {name} is in use by another request");

    /// <summary>A chunk must continue where the session ends; distribution and the spec answer 416 otherwise.</summary>
    private static void CheckContentRange(HttpContext context, string name, string id, long offset)
    {
        var header = context.Request.Headers.ContentRange.ToString();
        if (header.Length == 0)
            return;
        var value = header.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase) ? header[6..] : header;
        var dash = value.IndexOf('-');
        var slash = value.IndexOf('/');
        var endText = slash > dash ? value[(dash + 1)..slash] : value[(dash + 1)..];
        if (dash <= 0
            || !long.TryParse(value[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            || end < start)
        {
            throw new ErrorResponseException(StatusCodes.Status416RangeNotSatisfiable, ErrorCodes.BlobUploadInvalid,
                "blob upload invalid", $"Content-Range \"{header}\": expected start-end");
        }
        var length = context.Request.ContentLength;
        if (start != offset || (length is { } l && l != end - start + 1))
        {
            context.Response.Headers.Location = RegistryHttp.UploadLocation(name, id);
            context.Response.Headers.Range = RegistryHttp.UploadRange(offset);
            context.Response.Headers[RegistryHttp.UploadUuidHeader] = id;
            throw new ErrorResponseException(StatusCodes.Status416RangeNotSatisfiable, ErrorCodes.BlobUploadInvalid,
                "blob upload invalid", $"Content-Range {start}-{end} does not continue the upload at offset {offset}");
        }
    }

    private static async Task CopyBodyAsync(HttpContext context, ContentWriter writer)
    {
        var body = context.Request.Body;
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
            await writer.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted).ConfigureAwait(false);
    }

    private static void Accepted(HttpContext context, string name, string id, long offset, int status)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.Location = RegistryHttp.UploadLocation(name, id);
        response.Headers.Range = RegistryHttp.UploadRange(offset);
        response.Headers[RegistryHttp.UploadUuidHeader] = id;
        response.ContentLength = 0;
    }

    private static void Created(HttpContext context, string name, Digest digest)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = RegistryHttp.BlobLocation(name, digest);
        response.Headers[RegistryHttp.ContentDigestHeader] = digest.ToString();
        response.ContentLength = 0;
    }
}
