using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// A real registry to push to and pull from: Debian's docker-registry (CNCF distribution 2.8),
/// started on 127.0.0.1 with its storage, config, htpasswd and certificates in a temp dir. The
/// process is killed and the dir removed on dispose, whatever the test did.
/// </summary>
internal sealed class RegistryClientPeer : IDisposable
{
    public const string Executable = "/usr/bin/docker-registry";

    private readonly Process _process;

    private RegistryClientPeer(Process process, string dir, int port, string host)
    {
        _process = process;
        Dir = dir;
        Port = port;
        Host = host;
    }

    public string Dir { get; }

    public int Port { get; }

    public string Host { get; }

    /// <summary>host:port as an image reference names the registry.</summary>
    public string Authority => $"{Host}:{Port}";

    /// <param name="htpasswd">"user:bcrypt-hash" to require basic auth, or null</param>
    /// <param name="tls">server certificate with its key, or null for plain HTTP</param>
    /// <param name="host">the name clients use (resolved to 127.0.0.1 by BERTH_REGISTRY_RESOLVE when not an address)</param>
    public static RegistryClientPeer Start(string? htpasswd = null, X509Certificate2? tls = null, string host = "127.0.0.1")
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: apt-get install docker-registry (the real registry these tests push to and pull from)");
        var dir = Directory.CreateTempSubdirectory("berth-registry-peer-").FullName;
        try
        {
            var port = FreePort();
            var config = new List<string>
            {
                "version: 0.1",
                "log:",
                "  level: warn",
                "storage:",
                "  filesystem:",
                $"    rootdirectory: {dir}/data",
                "http:",
                $"  addr: 127.0.0.1:{port}",
            };
            if (tls is not null)
            {
                File.WriteAllText(Path.Combine(dir, "server.crt"), tls.ExportCertificatePem());
                File.WriteAllText(Path.Combine(dir, "server.key"), tls.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
                config.AddRange(["  tls:", $"    certificate: {dir}/server.crt", $"    key: {dir}/server.key"]);
            }
            if (htpasswd is not null)
            {
                File.WriteAllText(Path.Combine(dir, "htpasswd"), htpasswd + "\n");
                config.AddRange(["auth:", "  htpasswd:", "    realm: berth-test", $"    path: {dir}/htpasswd"]);
            }
            var configPath = Path.Combine(dir, "config.yml");
            File.WriteAllLines(configPath, config);
            var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add("serve");
            info.ArgumentList.Add(configPath);
            var process = Process.Start(info)!;
            var log = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var peer = new RegistryClientPeer(process, dir, port, host);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!Listening(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    peer.Dispose();
                    lock (log)
                        Assert.Fail($"docker-registry did not start on 127.0.0.1:{port}: {log}");
                }
                Thread.Sleep(100);
            }
            return peer;
        }
        catch
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>A bcrypt htpasswd line, as <c>htpasswd -B</c> writes it.</summary>
    public static string Htpasswd(string user, string password) => $"{user}:{BCrypt.Net.BCrypt.HashPassword(password, workFactor: 6)}";

    /// <summary>Runs artifacts/bin/berth with extra environment and optional stdin.</summary>
    public static (int Code, string Out, string Err) Berth(IReadOnlyDictionary<string, string> env, string? stdin, params string[] args) =>
        Cli.Exec(Path.Combine(Cli.Bin, "berth"), args, env, stdin, timeoutSeconds: 120);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
            if (Directory.Exists(Dir))
                Directory.Delete(Dir, recursive: true);
        }
    }
}

/// <summary>A CA made for one test and a server certificate it signs (ECDSA P-256).</summary>
internal sealed class RegistryClientTestCa : IDisposable
{
    public RegistryClientTestCa(string serverName)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=berth peer test ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        Ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={serverName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(serverName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(6), RandomNumberGenerator.GetBytes(16));
        Server = issued.CopyWithPrivateKey(key);
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
    }
}
