namespace Berth.Distribution.Server.Auth;

/// <summary>
/// An Apache htpasswd file of bcrypt entries (<c>user:$2y$…</c>, as <c>htpasswd -B</c> writes). Other
/// hash kinds (MD5 <c>$apr1$</c>, SHA1 <c>{SHA}</c>, crypt, plain) are refused when the file is loaded,
/// naming the line, as distribution's htpasswd backend accepts bcrypt only: the others are too cheap
/// to brute-force.
/// </summary>
public sealed class HtpasswdFile
{
    private readonly Dictionary<string, string> _hashes;

    private HtpasswdFile(Dictionary<string, string> hashes) => _hashes = hashes;

    public IReadOnlyCollection<string> Users => _hashes.Keys;

    public static HtpasswdFile Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"htpasswd {path}: {e.Message}", e);
        }
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var colon = line.IndexOf(':');
            if (colon <= 0)
                throw new FormatException($"htpasswd {path}:{i + 1}: expected user:hash");
            var user = line[..colon];
            var hash = line[(colon + 1)..];
            if (!IsBcrypt(hash))
                throw new FormatException($"htpasswd {path}:{i + 1}: user \"{user}\": only bcrypt hashes ($2y$, $2a$, $2b$; htpasswd -B) are supported");
            if (!hashes.TryAdd(user, hash))
                throw new FormatException($"htpasswd {path}:{i + 1}: user \"{user}\" appears twice");
        }
        return new HtpasswdFile(hashes);
    }

    /// <summary>The bcrypt hash of <paramref name="user"/>, or null when the file has no such user.</summary>
    public string? HashOf(string user) => _hashes.GetValueOrDefault(user);

    private static bool IsBcrypt(string hash) =>
        hash.Length == 60 && (hash.StartsWith("$2y$", StringComparison.Ordinal) || hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal));
}
