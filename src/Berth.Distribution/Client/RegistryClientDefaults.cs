using Berth.Distribution.Client.Credentials;

namespace Berth.Distribution.Client;

/// <summary>
/// The options a front door (the CLI, later berthd) starts from: daemon.json's registry settings,
/// the user's docker logins, and environment overrides so tests can aim it at temporary files:
/// BERTH_DAEMON_CONFIG (daemon.json path), BERTH_CERTS_D (certs.d directory),
/// BERTH_INSECURE_REGISTRIES (comma-separated, added to daemon.json's), BERTH_REGISTRY_RESOLVE
/// ("host:port=ip:port,…", as curl's --resolve; TLS still verifies the host name).
/// </summary>
public static class RegistryClientDefaults
{
    public static RegistryClientOptions Load(IEnumerable<string> insecureRegistries)
    {
        var daemon = DaemonConfig.Load(Env("BERTH_DAEMON_CONFIG") ?? DaemonConfig.DefaultPath);
        var extra = insecureRegistries.Concat(Split(Env("BERTH_INSECURE_REGISTRIES")));
        var resolve = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in Split(Env("BERTH_REGISTRY_RESOLVE")))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
                throw new FormatException($"BERTH_REGISTRY_RESOLVE: \"{pair}\" is not host:port=ip:port");
            resolve[pair[..eq]] = pair[(eq + 1)..];
        }
        return daemon.Apply(new RegistryClientOptions
        {
            CertsDirectory = Env("BERTH_CERTS_D") ?? Tls.CertsDirectory.DefaultRoot,
            Credentials = DockerCredentialStore.Default(),
            Resolve = resolve,
        }, extra);
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static IEnumerable<string> Split(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
