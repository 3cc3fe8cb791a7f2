using Berth.Distribution.Client.Credentials;
using Berth.Distribution.Client.Transport;

namespace Berth.Distribution.Client;

/// <summary>
/// The entry point of the registry client: connects to a registry by the domain an image
/// reference names, with the user's login for it, as docker pull/push/login do.
/// </summary>
public sealed class RegistryClient(RegistryClientOptions options)
{
    /// <summary>Image label naming the repository an image was pulled from, so a push to the same registry can mount its blobs.</summary>
    public const string SourceLabel = "berth.distribution.source";

    public RegistryClientOptions Options { get; } = options;

    /// <summary>A transport to the registry, pinged and ready (its auth challenge known).</summary>
    public async Task<RegistryTransport> ConnectAsync(string domain, bool push, CancellationToken ct)
    {
        var credential = Options.Credentials?.Get(ServerAddress.ForDomain(domain));
        var transport = new RegistryTransport(domain, Options, credential, push);
        try
        {
            await transport.PingAsync(ct).ConfigureAwait(false);
            return transport;
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }
}
