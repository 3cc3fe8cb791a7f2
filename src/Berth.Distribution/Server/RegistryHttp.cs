using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Distribution.Protocol;
using Berth.Images.Content;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Server;

/// <summary>Response helpers shared by the endpoint handlers.</summary>
internal static class RegistryHttp
{
    public const string ApiVersionHeader = "Docker-Distribution-API-Version";
    public const string ContentDigestHeader = "Docker-Content-Digest";
    public const string UploadUuidHeader = "Docker-Upload-UUID";

    public static async Task WriteErrorAsync(HttpContext context, ErrorResponseException error)
    {
        context.Response.StatusCode = error.Status;
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        var body = new ErrorResponse
        {
            Errors =
            [
                new ErrorEntry
                {
                    Code = error.Code,
                    Message = error.Message,
                    Detail = error.Detail is null ? null : JsonSerializer.SerializeToElement(error.Detail, ProtocolJson.Default.String),
                },
            ],
        };
        await WriteJsonAsync(context, body, ProtocolJson.Default.ErrorResponse, "application/json").ConfigureAwait(false);
    }

    public static async Task WriteJsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type, string contentType)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    public static Digest ParseDigest(string? value)
    {
        if (value is null)
            throw ErrorResponseException.DigestInvalid("provided digest did not match uploaded content", "digest missing");
        return Digest.TryParse(value, out var digest, out var error)
            ? digest
            : throw ErrorResponseException.DigestInvalid("provided digest is invalid", $"digest \"{value}\": {error}");
    }

    public static void CheckName(string name)
    {
        if (!DistributionNames.IsValidRepository(name))
            throw new ErrorResponseException(400, ErrorCodes.NameInvalid, "invalid repository name", name);
    }

    public static string BlobLocation(string name, Digest digest) => $"/v2/{name}/blobs/{digest}";

    public static string UploadLocation(string name, string id) => $"/v2/{name}/blobs/uploads/{id}";

    public static string ManifestLocation(string name, Digest digest) => $"/v2/{name}/manifests/{digest}";

    /// <summary>The Range header of upload responses: inclusive, "0-0" for an empty session as distribution writes it.</summary>
    public static string UploadRange(long offset) => $"0-{Math.Max(0, offset - 1)}";
}
