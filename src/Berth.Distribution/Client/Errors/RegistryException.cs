using System.Net;
using Berth.Distribution.Protocol;

namespace Berth.Distribution.Client.Errors;

/// <summary>
/// A registry operation failed. The message names the operation and what the registry said;
/// <see cref="StatusCode"/> and <see cref="Errors"/> let callers tell "not found" from "denied".
/// </summary>
public class RegistryException : Exception
{
    public RegistryException(string message, HttpStatusCode? statusCode = null, IReadOnlyList<ErrorEntry>? errors = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        Errors = errors ?? [];
    }

    public HttpStatusCode? StatusCode { get; }

    public IReadOnlyList<ErrorEntry> Errors { get; }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;
}

/// <summary>Credentials were refused, or a token could not be obtained.</summary>
public sealed class RegistryAuthException(string message, HttpStatusCode? statusCode = null, IReadOnlyList<ErrorEntry>? errors = null)
    : RegistryException(message, statusCode, errors)
{
}

/// <summary>The registry's bytes do not match what they claim (digest, size, media type): refused, nothing stored.</summary>
public sealed class RegistryVerificationException(string message)
    : RegistryException(message)
{
}
