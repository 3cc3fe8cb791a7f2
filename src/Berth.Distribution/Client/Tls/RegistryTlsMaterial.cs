using System.Security.Cryptography.X509Certificates;

namespace Berth.Distribution.Client.Tls;

/// <summary>Extra CA roots (trusted besides the system's) and client certificates for one registry.</summary>
public sealed record RegistryTlsMaterial(X509Certificate2Collection ExtraRoots, X509Certificate2Collection ClientCertificates)
{
    public static RegistryTlsMaterial Empty { get; } = new([], []);
}
