namespace Berth.Distribution.Client.Credentials;

/// <summary>
/// The key docker files a login under: Docker Hub's is the legacy index URL
/// <c>https://index.docker.io/v1/</c>; other registries are their host[:port].
/// </summary>
public static class ServerAddress
{
    public const string DockerHub = "https://index.docker.io/v1/";

    /// <summary>The key for a registry domain as a reference names it ("docker.io", "127.0.0.1:5000").</summary>
    public static string ForDomain(string domain) =>
        domain is "docker.io" or "index.docker.io" or "registry-1.docker.io" ? DockerHub : domain;

    /// <summary>
    /// What the user typed after <c>login</c>/<c>logout</c>: a host, or a URL docker accepted
    /// (<c>https://host/v2/</c>); empty means Docker Hub.
    /// </summary>
    public static string Normalize(string? server)
    {
        if (string.IsNullOrWhiteSpace(server))
            return DockerHub;
        var s = server.Trim();
        if (s == DockerHub)
            return DockerHub;
        if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            s = s[(s.IndexOf("://", StringComparison.Ordinal) + 3)..];
        s = s.Split('/')[0];
        return ForDomain(s);
    }

    /// <summary>The registry domain a server key stands for: the inverse of <see cref="ForDomain"/>.</summary>
    public static string DomainOf(string serverAddress) => serverAddress == DockerHub ? "docker.io" : serverAddress;

    /// <summary>Keys other tools wrote for the same registry (docker's "https://host/v1/" forms).</summary>
    public static bool Matches(string key, string serverAddress)
    {
        if (key == serverAddress)
            return true;
        var k = key;
        if (k.Contains("://", StringComparison.Ordinal))
            k = k[(k.IndexOf("://", StringComparison.Ordinal) + 3)..];
        return ForDomain(k.Split('/')[0]) == serverAddress;
    }
}
