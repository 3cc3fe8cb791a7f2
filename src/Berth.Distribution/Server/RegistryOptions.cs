using System.Net;

namespace Berth.Distribution.Server;

/// <summary>How <c>berth registry serve</c> was asked to run.</summary>
public sealed record RegistryOptions
{
    /// <summary>Port 0 picks a free port; <see cref="RegistryServer.Address"/> says which.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 5000);

    public required string Root { get; init; }

    /// <summary>bcrypt entries only, as <c>htpasswd -B</c> writes them; null serves without authentication.</summary>
    public string? HtpasswdFile { get; init; }

    public string? TlsCertificateFile { get; init; }

    public string? TlsKeyFile { get; init; }

    /// <summary>Refuse every write, so that <c>berth registry gc</c> can run beside a live server.</summary>
    public bool ReadOnly { get; init; }

    public TimeSpan UploadTimeout { get; init; } = Storage.RegistryStorage.DefaultUploadTimeout;

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or <c>:port</c> (every address).</summary>
    public static IPEndPoint ParseAddress(string value)
    {
        if (value.StartsWith(':') && int.TryParse(value[1..], out var anyPort) && anyPort is >= 0 and <= 65535)
            return new IPEndPoint(IPAddress.Any, anyPort);
        if (IPEndPoint.TryParse(value, out var endpoint) && value.Contains(':'))
            return endpoint;
        var colon = value.LastIndexOf(':');
        if (colon > 0 && value[..colon] == "localhost" && int.TryParse(value[(colon + 1)..], out var port) && port is >= 0 and <= 65535)
            return new IPEndPoint(IPAddress.Loopback, port);
        throw new FormatException($"address \"{value}\": must be host:port with an IP address (or localhost), or :port");
    }
}
