using Berth.Distribution.Client;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Credentials;
using Berth.Images.Store;

namespace Berth.Distribution.Tests.Client.Fakes;

/// <summary>An image store in a temp dir and a client whose retries are quick, for one test.</summary>
internal sealed class ClientFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public ClientFixture(RegistryCredential? credential = null, Func<RegistryClientOptions, RegistryClientOptions>? configure = null)
    {
        Store = ImageStore.Open(_dir.Combine("root"), "native");
        Credentials = new MemoryCredentials();
        if (credential is not null)
            Credentials.Values["*"] = credential;
        var options = new RegistryClientOptions
        {
            CertsDirectory = _dir.Combine("certs.d"),
            Credentials = Credentials,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        };
        Options = configure?.Invoke(options) ?? options;
        Client = new RegistryClient(Options);
    }

    public ImageStore Store { get; }

    public MemoryCredentials Credentials { get; }

    public RegistryClientOptions Options { get; }

    public RegistryClient Client { get; }

    public string Dir => _dir.Path;

    public void Dispose()
    {
        Store.Dispose();
        _dir.Dispose();
    }
}

/// <summary>Credentials in memory; "*" answers for every server.</summary>
internal sealed class MemoryCredentials : ICredentialStore
{
    public Dictionary<string, RegistryCredential> Values { get; } = [];

    public RegistryCredential? Get(string serverAddress) =>
        Values.TryGetValue(serverAddress, out var c) ? c : Values.GetValueOrDefault("*");

    public void Store(string serverAddress, RegistryCredential credential) => Values[serverAddress] = credential;

    public bool Erase(string serverAddress) => Values.Remove(serverAddress);
}
