using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Distribution.Server.Auth;

/// <summary>
/// Checks <c>Authorization: Basic</c> against an <see cref="HtpasswdFile"/>. bcrypt costs tens of
/// milliseconds by design and docker sends the header on every request of a push, so the last
/// password verified for each user is remembered as a SHA-256 (never the password itself), and a
/// request with the same one skips bcrypt.
/// </summary>
public sealed class BasicAuthenticator(HtpasswdFile file)
{
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);

    /// <summary>A bcrypt hash of a random password at htpasswd -B's default cost, checked for unknown users.</summary>
    private static readonly string UnknownUserHash = BCrypt.Net.BCrypt.HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), 5);

    /// <summary>The user the header authenticates, or null when it is missing, malformed or wrong.</summary>
    public string? Authenticate(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return null;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0)
            return null;
        var user = decoded[..colon];
        var password = decoded[(colon + 1)..];
        if (file.HashOf(user) is not { } hash)
        {
            // As slow as a wrong password, so that timing does not tell which users exist.
            BCrypt.Net.BCrypt.Verify(password, UnknownUserHash);
            return null;
        }
        var fingerprint = SHA256.HashData(Encoding.UTF8.GetBytes(hash + "\0" + password));
        if (_verified.TryGetValue(user, out var known) && CryptographicOperations.FixedTimeEquals(known, fingerprint))
            return user;
        bool ok;
        try
        {
            ok = BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return null;
        }
        if (!ok)
            return null;
        _verified[user] = fingerprint;
        return user;
    }
}
