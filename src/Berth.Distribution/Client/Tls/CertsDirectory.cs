using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Distribution.Client.Tls;

/// <summary>
/// Per-registry TLS material, laid out as docker's <c>/etc/docker/certs.d</c>:
/// <c>&lt;dir&gt;/&lt;host[:port]&gt;/*.crt</c> are extra CA roots, and each <c>X.cert</c> with its
/// <c>X.key</c> is a client certificate for mutual TLS (REG-TLS-1).
/// </summary>
public sealed class CertsDirectory(string root)
{
    public const string DefaultRoot = "/etc/berth/certs.d";

    public string Root { get; } = root;

    /// <summary>The material for one registry; empty when its directory does not exist.</summary>
    /// <exception cref="CryptographicException">A file is not a readable certificate or key; the message names it.</exception>
    public RegistryTlsMaterial Load(string authority)
    {
        var dir = Path.Combine(Root, authority);
        if (authority.Contains('/') || authority.StartsWith('.') || !Directory.Exists(dir))
            return RegistryTlsMaterial.Empty;
        var roots = new X509Certificate2Collection();
        var clients = new X509Certificate2Collection();
        foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            try
            {
                if (file.EndsWith(".crt", StringComparison.Ordinal))
                {
                    roots.ImportFromPemFile(file);
                }
                else if (file.EndsWith(".cert", StringComparison.Ordinal))
                {
                    var key = Path.ChangeExtension(file, ".key");
                    if (!File.Exists(key))
                        throw new CryptographicException($"missing key {key} for client certificate {file}");
                    clients.Add(X509Certificate2.CreateFromPemFile(file, key));
                }
                else if (file.EndsWith(".key", StringComparison.Ordinal) && !File.Exists(Path.ChangeExtension(file, ".cert")))
                {
                    throw new CryptographicException($"missing client certificate {Path.ChangeExtension(file, ".cert")} for key {file}");
                }
            }
            catch (CryptographicException e) when (!e.Message.StartsWith("missing", StringComparison.Ordinal))
            {
                throw new CryptographicException($"{file}: {e.Message}", e);
            }
        }
        return new RegistryTlsMaterial(roots, clients);
    }
}
