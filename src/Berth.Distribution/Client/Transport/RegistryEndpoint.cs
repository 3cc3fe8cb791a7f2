namespace Berth.Distribution.Client.Transport;

/// <summary>
/// One place a registry can be reached: <c>https://registry-1.docker.io</c>, a mirror, or the
/// plain-HTTP fallback of an insecure registry.
/// </summary>
/// <param name="SkipTlsVerify">only ever true for insecure registries (REG-TLS-2)</param>
public sealed record RegistryEndpoint(Uri BaseUri, bool SkipTlsVerify, bool IsMirror, bool Insecure)
{
    /// <summary>True when <paramref name="uri"/> is on this endpoint's scheme, host and port: the only place credentials go (REG-AUTH-2).</summary>
    public bool Owns(Uri uri) =>
        uri.Scheme == BaseUri.Scheme
        && uri.Host.Equals(BaseUri.Host, StringComparison.OrdinalIgnoreCase)
        && uri.Port == BaseUri.Port;

    public Uri Resolve(string pathAndQuery) => new(BaseUri, pathAndQuery);

    public override string ToString() => BaseUri.GetLeftPart(UriPartial.Authority);
}
