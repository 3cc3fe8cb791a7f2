using System.Net;
using System.Security.Authentication;

namespace Berth.Distribution.Tests.Server;

public sealed class TlsTests
{
    [Fact]
    public async Task Registry_serves_https_with_a_certificate_from_pem_files()
    {
        var dir = Directory.CreateTempSubdirectory("berth-registry-tls-").FullName;
        try
        {
            var (ca, cert, key) = TestCertificates.Write(dir);
            await using var host = await RegistryHost.StartAsync((_, o) => o with { TlsCertificateFile = cert, TlsKeyFile = key }, TestCertificates.TrustingOnly(ca));

            using var ping = await host.Client.GetAsync("/v2/");
            var digest = await host.PushBlobAsync("secure/app", RegistryHost.RandomBytes(100));

            Assert.Equal("https", host.Server.Address!.Scheme);
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
            Assert.NotEqual(default, digest);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Tls_listener_refuses_tls_1_1()
    {
        var dir = Directory.CreateTempSubdirectory("berth-registry-tls-").FullName;
        try
        {
            var (ca, cert, key) = TestCertificates.Write(dir);
            var handler = TestCertificates.TrustingOnly(ca);
#pragma warning disable SYSLIB0039 // the obsolete protocol is the point of the test
            handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls11;
#pragma warning restore SYSLIB0039
            await using var host = await RegistryHost.StartAsync((_, o) => o with { TlsCertificateFile = cert, TlsKeyFile = key }, handler);

            await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.GetAsync("/v2/"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Certificate_without_its_key_is_refused_at_startup()
    {
        var dir = Directory.CreateTempSubdirectory("berth-registry-tls-").FullName;
        try
        {
            var (_, cert, _) = TestCertificates.Write(dir);
            var wrongKey = Path.Combine(dir, "other.key");
            File.WriteAllText(wrongKey, System.Security.Cryptography.ECDsa.Create().ExportPkcs8PrivateKeyPem());

            var error = await Assert.ThrowsAsync<ArgumentException>(() => RegistryHost.StartAsync((_, o) => o with { TlsCertificateFile = cert, TlsKeyFile = wrongKey }));

            Assert.StartsWith($"tls certificate {cert} with key {wrongKey}: ", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
