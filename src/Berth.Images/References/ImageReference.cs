using System.Text.RegularExpressions;
using Berth.Images.Content;

namespace Berth.Images.References;

/// <summary>
/// An image reference as docker parses it (the distribution/reference grammar): <c>busybox</c> is
/// <c>docker.io/library/busybox:latest</c>, <c>localhost:5000/ns/app:v1</c>, <c>app@sha256:…</c>.
/// <see cref="ToString"/> is the fully qualified form stored in the image database;
/// <see cref="Familiar"/> is the short form docker prints.
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const string LegacyDomain = "index.docker.io";
    private const string OfficialRepoPrefix = "library/";
    private const int MaxNameLength = 255;

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host, with its port if any: "docker.io", "127.0.0.1:5000".</summary>
    public string Domain { get; }

    /// <summary>The repository path within the registry: "library/busybox".</summary>
    public string Path { get; }

    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary>domain/path: the repository the reference names.</summary>
    public string Repository => Domain + "/" + Path;

    /// <summary>
    /// Parses and normalizes a reference; without a tag or digest the tag "latest" is implied,
    /// as docker pull and docker tag do.
    /// </summary>
    /// <exception cref="FormatException">The reference breaks the grammar; the message says how.</exception>
    public static ImageReference Parse(string value)
    {
        if (string.IsNullOrEmpty(value))
            throw new FormatException("invalid reference format: must not be empty");

        Digest? digest = null;
        var rest = value;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            if (!Content.Digest.TryParse(rest[(at + 1)..], out var d, out var why))
                throw new FormatException($"invalid reference format \"{value}\": digest: {why}");
            digest = d;
            rest = rest[..at];
        }

        string? tag = null;
        var lastColon = rest.LastIndexOf(':');
        if (lastColon > rest.LastIndexOf('/'))
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            if (!TagPattern().IsMatch(tag))
                throw new FormatException($"invalid reference format \"{value}\": tag \"{tag}\" must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}");
        }

        var (domain, path) = SplitDomain(rest);
        if (path.Length == 0 || !PathPattern().IsMatch(path))
        {
            var hint = path.Any(char.IsAsciiLetterUpper) ? ": repository name must be lowercase" : "";
            throw new FormatException($"invalid reference format \"{value}\"{hint}");
        }
        if (domain != DefaultDomain && !DomainPattern().IsMatch(domain))
            throw new FormatException($"invalid reference format \"{value}\": registry \"{domain}\" is not a host name");
        if (domain.Length + 1 + path.Length > MaxNameLength)
            throw new FormatException($"invalid reference format \"{value}\": repository name must not be longer than {MaxNameLength} characters");

        if (tag is null && digest is null)
            tag = DefaultTag;
        return new ImageReference(domain, path, tag, digest);
    }

    public static bool TryParse(string value, out ImageReference? reference)
    {
        try
        {
            reference = Parse(value);
            return true;
        }
        catch (FormatException)
        {
            reference = null;
            return false;
        }
    }

    /// <summary>This repository with another tag (and no digest).</summary>
    public ImageReference WithTag(string tag)
    {
        if (!TagPattern().IsMatch(tag))
            throw new FormatException($"invalid tag \"{tag}\"");
        return new ImageReference(Domain, Path, tag, null);
    }

    /// <summary>The short name docker prints: "busybox" for docker.io/library/busybox, "ns/app" for docker.io/ns/app.</summary>
    public string FamiliarRepository =>
        Domain != DefaultDomain ? Repository
        : Path.StartsWith(OfficialRepoPrefix, StringComparison.Ordinal) && Path.IndexOf('/', OfficialRepoPrefix.Length) < 0 ? Path[OfficialRepoPrefix.Length..]
        : Path;

    /// <summary>The short form of the whole reference: "busybox:latest".</summary>
    public string Familiar => FamiliarRepository + Suffix;

    public override string ToString() => Repository + Suffix;

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    // As docker: the first component is a registry only if it has a dot or a port, or is "localhost";
    // otherwise the name lives on Docker Hub, where single names are official images under library/.
    private static (string Domain, string Path) SplitDomain(string name)
    {
        var slash = name.IndexOf('/');
        string domain, path;
        if (slash < 0)
        {
            domain = DefaultDomain;
            path = name;
        }
        else
        {
            var first = name[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsAsciiLetterUpper))
            {
                domain = first;
                path = name[(slash + 1)..];
            }
            else
            {
                domain = DefaultDomain;
                path = name;
            }
        }
        if (domain == LegacyDomain)
            domain = DefaultDomain;
        if (domain == DefaultDomain && !path.Contains('/'))
            path = OfficialRepoPrefix + path;
        return (domain, path);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    // Path components: lowercase alphanumerics separated by ".", "_", "__" or runs of "-".
    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainPattern();
}
