using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Distribution.Client.Tls;

/// <summary>
/// Accepts a server certificate the system trusts, or one that chains to an extra root from
/// certs.d; the host name must match either way (REG-TLS-1).
/// </summary>
public static class CertificateValidator
{
    public static bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection extraRoots)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        // A name mismatch or a missing certificate is never rescued by an extra root.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || extraRoots.Count == 0 || certificate is null)
            return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(extraRoots);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
