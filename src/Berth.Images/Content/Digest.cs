using System.Security.Cryptography;

namespace Berth.Images.Content;

/// <summary>
/// A content digest as the OCI image spec writes it: <c>algorithm:encoded</c>. Only the registered
/// algorithms Berth can verify are accepted (sha256, sha512), with lowercase hex of the exact length,
/// so a digest is always safe to use as a file name under the content store.
/// </summary>
public readonly record struct Digest
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    public string Algorithm { get; }
    public string Encoded { get; }

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public static Digest Parse(string value) =>
        TryParse(value, out var digest, out var error) ? digest : throw new FormatException($"digest \"{value}\": {error}");

    public static bool TryParse(string? value, out Digest digest, out string error)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "must not be empty";
            return false;
        }
        var colon = value.IndexOf(':');
        if (colon <= 0)
        {
            error = "must have the form algorithm:hex";
            return false;
        }
        var algorithm = value[..colon];
        var encoded = value[(colon + 1)..];
        var length = algorithm switch
        {
            Sha256 => 64,
            Sha512 => 128,
            _ => -1,
        };
        if (length < 0)
        {
            error = $"unsupported algorithm \"{algorithm}\"";
            return false;
        }
        if (encoded.Length != length || !encoded.All(char.IsAsciiHexDigitLower))
        {
            error = $"{algorithm} needs {length} lowercase hex digits";
            return false;
        }
        digest = new Digest(algorithm, encoded);
        error = "";
        return true;
    }

    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) =>
        new(algorithm, Convert.ToHexStringLower(hash));

    public static Digest Compute(ReadOnlySpan<byte> data, string algorithm = Sha256) =>
        FromHash(algorithm, algorithm == Sha512 ? SHA512.HashData(data) : SHA256.HashData(data));

    /// <summary>A hasher for this digest's algorithm, to verify a stream as it is written.</summary>
    public IncrementalHash CreateHasher() => CreateHasher(Algorithm);

    public static IncrementalHash CreateHasher(string algorithm) => algorithm switch
    {
        Sha256 => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        Sha512 => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => throw new ArgumentException($"unsupported digest algorithm \"{algorithm}\"", nameof(algorithm)),
    };

    /// <summary>The short form docker prints in tables (12 hex digits, no algorithm).</summary>
    public string Short => Encoded[..12];

    public override string ToString() => Algorithm is null ? "" : $"{Algorithm}:{Encoded}";
}
