using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Distribution.Client.Auth;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Distribution.Client.Credentials;

/// <summary>
/// docker's client config, <c>$DOCKER_CONFIG/config.json</c> (default <c>~/.docker/config.json</c>),
/// so that <c>docker login</c> and <c>berth login</c> share logins. Fields Berth does not know are
/// kept as they are. Written atomically with mode 0600: it holds passwords.
/// </summary>
public sealed class DockerConfigFile
{
    private readonly JsonObject _root;

    private DockerConfigFile(string path, JsonObject root)
    {
        Path = path;
        _root = root;
    }

    public string Path { get; }

    /// <summary>The config of this user: $DOCKER_CONFIG, else $HOME/.docker.</summary>
    public static string DefaultPath()
    {
        var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        if (string.IsNullOrEmpty(dir))
            dir = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        return System.IO.Path.Combine(dir, "config.json");
    }

    /// <summary>Reads the file; a missing one is an empty config.</summary>
    /// <exception cref="FormatException">The file is not a JSON object; the message names it.</exception>
    public static DockerConfigFile Load(string path)
    {
        if (!File.Exists(path))
            return new DockerConfigFile(path, []);
        try
        {
            var node = JsonNode.Parse(File.ReadAllBytes(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return node is JsonObject o ? new DockerConfigFile(path, o) : throw new FormatException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: {e.Message}");
        }
    }

    /// <summary>docker's <c>credsStore</c>: the helper for every registry without its own.</summary>
    public string? CredsStore => (_root["credsStore"] as JsonValue)?.TryGetValue<string>(out var s) == true && s.Length > 0 ? s : null;

    /// <summary>docker's <c>credHelpers</c>: a helper per registry.</summary>
    public string? HelperFor(string serverAddress)
    {
        if (_root["credHelpers"] is not JsonObject helpers)
            return CredsStore;
        foreach (var (key, value) in helpers)
        {
            if (ServerAddress.Matches(key, serverAddress) && value is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0)
                return name;
        }
        return CredsStore;
    }

    public RegistryCredential? GetAuth(string serverAddress)
    {
        if (_root["auths"] is not JsonObject auths)
            return null;
        foreach (var (key, value) in auths)
        {
            if (!ServerAddress.Matches(key, serverAddress) || value is not JsonObject entry)
                continue;
            var identity = Text(entry, "identitytoken");
            string user = Text(entry, "username") ?? "", password = Text(entry, "password") ?? "";
            if (Text(entry, "auth") is { Length: > 0 } auth)
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                }
                catch (FormatException)
                {
                    throw new FormatException($"{Path}: auths.{key}.auth: not base64");
                }
                var colon = decoded.IndexOf(':');
                if (colon < 0)
                    throw new FormatException($"{Path}: auths.{key}.auth: not user:password");
                user = decoded[..colon];
                password = decoded[(colon + 1)..];
            }
            if (user.Length == 0 && string.IsNullOrEmpty(identity))
                continue;
            return new RegistryCredential(user, password, identity);
        }
        return null;
    }

    public void SetAuth(string serverAddress, RegistryCredential credential)
    {
        var auths = _root["auths"] as JsonObject ?? [];
        _root["auths"] = auths;
        RemoveMatching(auths, serverAddress);
        var entry = new JsonObject();
        if (credential.HasIdentityToken)
        {
            // As docker: with an identity token, only the user name is kept beside it, not the password.
            entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":"));
            entry["identitytoken"] = credential.IdentityToken;
        }
        else
        {
            entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}"));
        }
        auths[serverAddress] = entry;
    }

    /// <summary>Records that a helper holds the login: docker leaves an empty entry under auths.</summary>
    public void SetHelperEntry(string serverAddress)
    {
        var auths = _root["auths"] as JsonObject ?? [];
        _root["auths"] = auths;
        RemoveMatching(auths, serverAddress);
        auths[serverAddress] = new JsonObject();
    }

    public bool RemoveAuth(string serverAddress) =>
        _root["auths"] is JsonObject auths && RemoveMatching(auths, serverAddress);

    /// <summary>Temp file in the same folder, fsync, rename, fsync the folder (style rule 5); mode 0600 from creation on.</summary>
    public void Save()
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = System.IO.Path.Combine(dir, $".config.json.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var stream = new FileStream(temp, options))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                    _root.WriteTo(writer);
                stream.WriteByte((byte)'\n');
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        using var fd = Sys.Open(dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (Libc.Fsync(fd.Value) != 0)
            throw LinuxException.FromLastError("fsync", dir);
    }

    private static bool RemoveMatching(JsonObject auths, string serverAddress)
    {
        var keys = auths.Select(p => p.Key).Where(k => ServerAddress.Matches(k, serverAddress)).ToList();
        foreach (var key in keys)
            auths.Remove(key);
        return keys.Count > 0;
    }

    private static string? Text(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
