using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Distribution.Client.Auth;

namespace Berth.Distribution.Client.Credentials;

/// <summary>
/// A docker credential helper, <c>docker-credential-&lt;name&gt;</c> on PATH, spoken to as docker
/// does: <c>get</c> and <c>erase</c> take the server address on stdin; <c>store</c> takes
/// <c>{"ServerURL","Username","Secret"}</c>; <c>get</c> answers the same JSON. A user name of
/// <c>&lt;token&gt;</c> means the secret is an identity token.
/// </summary>
public sealed class CredentialHelper(string name, string? searchPath = null)
{
    private const string TokenUsername = "<token>";

    /// <summary>What helpers print when they hold nothing for the server (docker-credential-helpers' ErrCredentialsNotFound).</summary>
    private const string NotFound = "credentials not found in native keychain";

    public string Program { get; } = "docker-credential-" + name;

    public RegistryCredential? Get(string serverAddress)
    {
        var (code, output) = Run("get", serverAddress);
        if (code != 0)
        {
            if (output.Contains(NotFound, StringComparison.OrdinalIgnoreCase))
                return null;
            throw new CredentialHelperException($"{Program} get: {output.Trim()}");
        }
        HelperCredential? found;
        try
        {
            found = JsonSerializer.Deserialize(output, ClientJson.Default.HelperCredential);
        }
        catch (JsonException e)
        {
            throw new CredentialHelperException($"{Program} get: malformed answer: {e.Message}");
        }
        if (found is null || (string.IsNullOrEmpty(found.Username) && string.IsNullOrEmpty(found.Secret)))
            return null;
        return found.Username == TokenUsername
            ? new RegistryCredential("", "", found.Secret)
            : new RegistryCredential(found.Username ?? "", found.Secret ?? "");
    }

    public void Store(string serverAddress, RegistryCredential credential)
    {
        var payload = credential.HasIdentityToken
            ? new HelperCredential { ServerURL = serverAddress, Username = TokenUsername, Secret = credential.IdentityToken }
            : new HelperCredential { ServerURL = serverAddress, Username = credential.Username, Secret = credential.Password };
        var (code, output) = Run("store", JsonSerializer.Serialize(payload, ClientJson.Default.HelperCredential));
        if (code != 0)
            throw new CredentialHelperException($"{Program} store: {output.Trim()}");
    }

    public bool Erase(string serverAddress)
    {
        var (code, output) = Run("erase", serverAddress);
        if (code == 0)
            return true;
        if (output.Contains(NotFound, StringComparison.OrdinalIgnoreCase))
            return false;
        throw new CredentialHelperException($"{Program} erase: {output.Trim()}");
    }

    private (int Code, string Output) Run(string verb, string input)
    {
        var info = new ProcessStartInfo(Resolve())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add(verb);
        using var process = System.Diagnostics.Process.Start(info)
            ?? throw new CredentialHelperException($"{Program}: could not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new CredentialHelperException($"{Program} {verb}: no answer within 60 s");
        }
        var output = stdout.Result;
        // Helpers print their errors on stdout; some use stderr.
        return (process.ExitCode, process.ExitCode == 0 ? output : output + stderr.Result);
    }

    private string Resolve()
    {
        var path = searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, Program);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new CredentialHelperException($"{Program}: executable file not found in $PATH");
    }
}

/// <summary>The JSON a credential helper reads and writes (field names as docker-credential-helpers has them).</summary>
public sealed record HelperCredential
{
    [JsonPropertyName("ServerURL")]
    public string? ServerURL { get; init; }

    [JsonPropertyName("Username")]
    public string? Username { get; init; }

    [JsonPropertyName("Secret")]
    public string? Secret { get; init; }
}

public sealed class CredentialHelperException(string message) : Exception(message)
{
}
