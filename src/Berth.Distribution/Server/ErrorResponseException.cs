using Berth.Distribution.Protocol;

namespace Berth.Distribution.Server;

/// <summary>
/// A request the registry refuses: the HTTP status and spec error code it answers with. Handlers throw
/// it; <see cref="RegistryServer"/> turns it into the spec's error body.
/// </summary>
public sealed class ErrorResponseException(int status, string code, string message, string? detail = null)
    : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>One of <see cref="ErrorCodes"/>.</summary>
    public string Code { get; } = code;

    public string? Detail { get; } = detail;

    public static ErrorResponseException NameUnknown(string name) =>
        new(404, ErrorCodes.NameUnknown, "repository name not known to registry", name);

    public static ErrorResponseException BlobUnknown(string digest) =>
        new(404, ErrorCodes.BlobUnknown, "blob unknown to registry", digest);

    public static ErrorResponseException ManifestUnknown(string reference) =>
        new(404, ErrorCodes.ManifestUnknown, "manifest unknown", reference);

    public static ErrorResponseException UploadUnknown(string id) =>
        new(404, ErrorCodes.BlobUploadUnknown, "blob upload unknown to registry", id);

    public static ErrorResponseException DigestInvalid(string message, string? detail = null) =>
        new(400, ErrorCodes.DigestInvalid, message, detail);
}
