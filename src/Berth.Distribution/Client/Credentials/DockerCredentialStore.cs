using Berth.Distribution.Client.Auth;

namespace Berth.Distribution.Client.Credentials;

/// <summary>
/// Logins as docker keeps them: in a credential helper when config.json names one for the server
/// (credHelpers, else credsStore), otherwise base64 in config.json's auths.
/// </summary>
public sealed class DockerCredentialStore(string configPath, string? helperSearchPath = null) : ICredentialStore
{
    public string ConfigPath { get; } = configPath;

    public static DockerCredentialStore Default() => new(DockerConfigFile.DefaultPath());

    public RegistryCredential? Get(string serverAddress)
    {
        var config = DockerConfigFile.Load(ConfigPath);
        return config.HelperFor(serverAddress) is { } helper
            ? new CredentialHelper(helper, helperSearchPath).Get(serverAddress)
            : config.GetAuth(serverAddress);
    }

    public void Store(string serverAddress, RegistryCredential credential)
    {
        var config = DockerConfigFile.Load(ConfigPath);
        if (config.HelperFor(serverAddress) is { } helper)
        {
            new CredentialHelper(helper, helperSearchPath).Store(serverAddress, credential);
            config.SetHelperEntry(serverAddress);
        }
        else
        {
            config.SetAuth(serverAddress, credential);
        }
        config.Save();
    }

    public bool Erase(string serverAddress)
    {
        var config = DockerConfigFile.Load(ConfigPath);
        var erased = false;
        if (config.HelperFor(serverAddress) is { } helper)
            erased = new CredentialHelper(helper, helperSearchPath).Erase(serverAddress);
        if (config.RemoveAuth(serverAddress))
        {
            erased = true;
            config.Save();
        }
        return erased;
    }
}
