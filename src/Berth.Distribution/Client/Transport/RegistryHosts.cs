namespace Berth.Distribution.Client.Transport;

/// <summary>
/// Where the registry of a reference's domain is reached, in the order to try: docker.io through
/// its mirrors (pulls only) then registry-1.docker.io; any other registry over HTTPS, and for an
/// insecure one HTTPS without verification then plain HTTP, as docker falls back.
/// </summary>
public static class RegistryHosts
{
    public const string DockerHubDomain = "docker.io";
    public const string DockerHubRegistry = "registry-1.docker.io";

    public static IReadOnlyList<RegistryEndpoint> For(string domain, RegistryClientOptions options, bool push)
    {
        var list = new List<RegistryEndpoint>();
        if (domain == DockerHubDomain)
        {
            if (!push)
            {
                foreach (var mirror in options.Mirrors)
                {
                    var insecureMirror = options.Insecure.IsInsecure(mirror.Authority);
                    list.Add(new RegistryEndpoint(mirror, insecureMirror && mirror.Scheme == Uri.UriSchemeHttps, IsMirror: true, insecureMirror));
                }
            }
            list.Add(new RegistryEndpoint(new Uri("https://" + DockerHubRegistry + "/"), SkipTlsVerify: false, IsMirror: false, Insecure: false));
            return list;
        }
        var insecure = options.Insecure.IsInsecure(domain);
        list.Add(new RegistryEndpoint(new Uri("https://" + domain + "/"), SkipTlsVerify: insecure, IsMirror: false, insecure));
        if (insecure)
            list.Add(new RegistryEndpoint(new Uri("http://" + domain + "/"), SkipTlsVerify: false, IsMirror: false, insecure));
        return list;
    }
}
