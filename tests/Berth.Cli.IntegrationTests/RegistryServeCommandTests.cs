using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Berth.Images.Oci;

namespace Berth.Cli.IntegrationTests;

/// <summary>The <c>berth registry</c> verbs themselves: startup errors, TLS from PEM files, read-only mode beside gc.</summary>
public sealed class RegistryServeCommandTests : IDisposable
{
    private readonly string _skopeo = RegistryTools.Require("skopeo", "skopeo");
    private readonly string _work = Directory.CreateTempSubdirectory("berth-registry-cli-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Htpasswd_with_a_non_bcrypt_entry_stops_serve_naming_the_line()
    {
        var htpasswd = Path.Combine(_work, "htpasswd");
        File.WriteAllText(htpasswd, "alice:$2y$05$1S6Y2FA8ZMj1XE.TmwJP0ed2jgGxtZYIlq0DCba4oYjXDBkpjm5kK\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");

        var result = Cli.Run("berth", "--root", Path.Combine(_work, "registry"), "registry", "serve", "--addr", "127.0.0.1:0", "--htpasswd", htpasswd);

        Assert.Equal(1, result.Code);
        Assert.Equal($"Error: htpasswd {htpasswd}:2: user \"bob\": only bcrypt hashes ($2y$, $2a$, $2b$; htpasswd -B) are supported\n", result.Err);
    }

    [Fact]
    public void Bad_address_is_refused()
    {
        var result = Cli.Run("berth", "--root", Path.Combine(_work, "registry"), "registry", "serve", "--addr", "nowhere");

        Assert.Equal(1, result.Code);
        Assert.StartsWith("Error: address \"nowhere\":", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Skopeo_pushes_over_tls_verifying_the_certificate_against_a_private_ca()
    {
        var certs = Directory.CreateDirectory(Path.Combine(_work, "certs")).FullName;
        var (cert, key) = WriteCertificates(certs);
        var layout = OciLayout();
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"), "--tls-cert", cert, "--tls-key", key);

        var untrusted = RegistryTools.Run(_skopeo, ["copy", $"oci:{layout}:latest", $"docker://{registry.Host}/tls/busybox:v1"]);
        var trusted = RegistryTools.Run(_skopeo, ["copy", "--dest-cert-dir", certs, $"oci:{layout}:latest", $"docker://{registry.Host}/tls/busybox:v1"]);

        Assert.Equal("https", registry.Url.Scheme);
        Assert.NotEqual(0, untrusted.Code);
        Assert.Contains("certificate", untrusted.Err, StringComparison.Ordinal);
        Assert.True(trusted.Code == 0, trusted.Err);
    }

    [Fact]
    public void Read_only_server_refuses_pushes_while_gc_runs_beside_it()
    {
        var root = Path.Combine(_work, "registry");
        var layout = OciLayout();
        using (var writable = new RegistryProcess(root))
            RegistryTools.Ok(RegistryTools.Run(_skopeo, ["copy", "--dest-tls-verify=false", $"oci:{layout}:latest", $"docker://{writable.Host}/library/busybox:v1"]), "push");
        using var registry = new RegistryProcess(root, "--read-only");

        var push = RegistryTools.Run(_skopeo, ["copy", "--dest-tls-verify=false", $"oci:{layout}:latest", $"docker://{registry.Host}/library/busybox:v2"]);
        var gc = Cli.Ok(Cli.Run("berth", "--root", root, "registry", "gc", "--dry-run"));
        var pull = RegistryTools.Run(_skopeo, ["inspect", "--tls-verify=false", $"docker://{registry.Host}/library/busybox:v1"]);

        Assert.NotEqual(0, push.Code);
        Assert.Contains("the registry is read-only", push.Err, StringComparison.Ordinal);
        Assert.Equal("would free 0 bytes in 0 blobs\n", gc.Out);
        Assert.True(pull.Code == 0, pull.Err);
    }

    [Fact]
    public void Gc_refuses_to_run_beside_a_writable_server()
    {
        var root = Path.Combine(_work, "registry");
        using var registry = new RegistryProcess(root);

        var gc = Cli.Run("berth", "--root", root, "registry", "gc");

        Assert.Equal(1, gc.Code);
        Assert.Equal($"Error: registry root {root}: a writable server is using it; stop it or restart it with --read-only before registry gc\n", gc.Err);
    }

    private string OciLayout()
    {
        var store = Path.Combine(_work, "store");
        BusyboxImage.Seed(store, "docker.io/library/busybox:latest", new ExecutionConfig { Cmd = ["sh"] });
        var archive = Path.Combine(_work, "busybox-oci.tar");
        Cli.Ok(Cli.Run("berth", "--root", store, "save", "--format", "oci-archive", "-o", archive, "busybox"));
        var layout = Directory.CreateDirectory(Path.Combine(_work, "layout")).FullName;
        System.Formats.Tar.TarFile.ExtractToDirectory(archive, layout, overwriteFiles: false);
        return layout;
    }

    /// <summary>A throwaway CA (ca.crt, which skopeo's cert dir trusts) and a server certificate for 127.0.0.1 it signed.</summary>
    private static (string Cert, string Key) WriteCertificates(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=berth test ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var issued = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(Path.Combine(dir, "ca.crt"), ca.ExportCertificatePem());
        // Outside the cert dir: skopeo would read a server.crt there as a client certificate.
        var cert = Path.Combine(dir, "..", "server.pem");
        var keyFile = Path.Combine(dir, "..", "server-key.pem");
        File.WriteAllText(cert, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (Path.GetFullPath(cert), Path.GetFullPath(keyFile));
    }
}
