using System.Net;

namespace Berth.Distribution.Client.Transport;

/// <summary>How long to wait before retrying: the registry's Retry-After when it sends one, else exponential backoff; always capped.</summary>
public static class RetryDelay
{
    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    public static TimeSpan For(HttpResponseMessage? response, int attempt, RegistryClientOptions options)
    {
        TimeSpan delay;
        if (response?.Headers.RetryAfter is { Delta: { } delta })
            delay = delta;
        else if (response?.Headers.RetryAfter is { Date: { } date })
            delay = date - options.Clock.GetUtcNow();
        else
            delay = options.RetryBaseDelay * Math.Pow(2, attempt);
        if (delay < TimeSpan.Zero)
            delay = TimeSpan.Zero;
        return delay > options.MaxRetryDelay ? options.MaxRetryDelay : delay;
    }
}
