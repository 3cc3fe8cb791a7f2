using System.Text.RegularExpressions;

namespace Berth.Distribution.Server;

/// <summary>Which endpoint of the distribution API a request path names.</summary>
public enum RouteKind
{
    Base,
    Catalog,
    Tags,
    Manifest,
    Blob,
    UploadStart,
    Upload,
    Referrers,
}

/// <summary>
/// A parsed request path. Repository names contain slashes, so the path is matched from its end:
/// the last <c>/manifests/</c>, <c>/blobs/</c>, <c>/tags/</c> or <c>/referrers/</c> separates the
/// name from the endpoint (a name component may itself be "blobs"; the greedy match still splits it
/// at the endpoint's own segment).
/// </summary>
public sealed partial record RegistryRoute(RouteKind Kind, string Name = "", string Reference = "")
{
    public static RegistryRoute? Parse(string path)
    {
        if (path is "/v2/" or "/v2")
            return new RegistryRoute(RouteKind.Base);
        if (path is "/v2/_catalog")
            return new RegistryRoute(RouteKind.Catalog);
        var match = EndpointRegex().Match(path);
        if (!match.Success)
            return null;
        var name = match.Groups["name"].Value;
        var rest = match.Groups["rest"].Value;
        return match.Groups["kind"].Value switch
        {
            "tags" when rest == "list" => new RegistryRoute(RouteKind.Tags, name),
            "manifests" when rest.Length > 0 && !rest.Contains('/') => new RegistryRoute(RouteKind.Manifest, name, rest),
            "referrers" when rest.Length > 0 && !rest.Contains('/') => new RegistryRoute(RouteKind.Referrers, name, rest),
            "blobs" when rest is "uploads/" or "uploads" => new RegistryRoute(RouteKind.UploadStart, name),
            "blobs" when rest.StartsWith("uploads/", StringComparison.Ordinal) && !rest["uploads/".Length..].Contains('/') =>
                new RegistryRoute(RouteKind.Upload, name, rest["uploads/".Length..]),
            "blobs" when rest.Length > 0 && !rest.Contains('/') => new RegistryRoute(RouteKind.Blob, name, rest),
            _ => null,
        };
    }

    [GeneratedRegex(@"^/v2/(?<name>.+)/(?<kind>manifests|blobs|tags|referrers)/(?<rest>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex EndpointRegex();
}
