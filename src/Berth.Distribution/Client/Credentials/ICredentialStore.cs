using Berth.Distribution.Client.Auth;

namespace Berth.Distribution.Client.Credentials;

/// <summary>Logins per registry, keyed by the server address docker uses (see <see cref="ServerAddress"/>).</summary>
public interface ICredentialStore
{
    RegistryCredential? Get(string serverAddress);

    void Store(string serverAddress, RegistryCredential credential);

    /// <returns>false when there was no login for the server</returns>
    bool Erase(string serverAddress);
}
