using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Distribution.Tests.Client.Fakes;

/// <summary>A throwaway CA, with server and client certificates it signs, made fresh for each test.</summary>
internal sealed class TestCertificates : IDisposable
{
    public TestCertificates(string serverName = "registry.test")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=berth test ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        Server = Issue($"CN={serverName}", serverName, new Oid("1.3.6.1.5.5.7.3.1"));
        Client = Issue("CN=berth test client", null, new Oid("1.3.6.1.5.5.7.3.2"));
    }

    public X509Certificate2 Ca { get; }

    /// <summary>With its private key; its SAN is the server name.</summary>
    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    /// <summary>Whether <paramref name="cert"/> was issued by this CA (the server's check of client certificates).</summary>
    public bool IssuedByCa(X509Certificate2? cert)
    {
        if (cert is null)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        return chain.Build(cert);
    }

    public static string Pem(X509Certificate2 cert) => cert.ExportCertificatePem();

    public static string KeyPem(X509Certificate2 cert) => cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();

    private X509Certificate2 Issue(string subject, string? dnsName, Oid usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (dnsName is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dnsName);
            request.CertificateExtensions.Add(san.Build());
        }
        using var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(6), RandomNumberGenerator.GetBytes(16));
        // Kestrel on Linux wants an exportable key in a PFX round trip.
        return X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pfx), null);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
    }
}
