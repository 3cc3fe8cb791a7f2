using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Distribution.Client.Transport;

namespace Berth.Distribution.Client;

/// <summary>
/// The registry part of <c>/etc/berth/daemon.json</c>, in docker's daemon.json names, read by the
/// CLI as well as the daemon so both reach registries the same way.
/// </summary>
public sealed record DaemonConfig
{
    public const string DefaultPath = "/etc/berth/daemon.json";

    [JsonPropertyName("insecure-registries")]
    public IReadOnlyList<string>? InsecureRegistries { get; init; }

    [JsonPropertyName("registry-mirrors")]
    public IReadOnlyList<string>? RegistryMirrors { get; init; }

    /// <summary>A missing file is an empty config.</summary>
    /// <exception cref="FormatException">The file is malformed; the message names it.</exception>
    public static DaemonConfig Load(string path)
    {
        if (!File.Exists(path))
            return new DaemonConfig();
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), ClientJson.Default.DaemonConfig) ?? new DaemonConfig();
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: {e.Message}");
        }
    }

    /// <summary>Options with this config's insecure registries (plus <paramref name="extraInsecure"/>) and mirrors.</summary>
    public RegistryClientOptions Apply(RegistryClientOptions options, IEnumerable<string> extraInsecure)
    {
        var mirrors = new List<Uri>();
        foreach (var m in RegistryMirrors ?? [])
        {
            if (!Uri.TryCreate(m.EndsWith('/') ? m : m + "/", UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                throw new FormatException($"registry mirror \"{m}\": must be an http(s) URL");
            mirrors.Add(uri);
        }
        return options with
        {
            Insecure = new Transport.InsecureRegistries([.. InsecureRegistries ?? [], .. extraInsecure]),
            Mirrors = mirrors,
        };
    }
}
