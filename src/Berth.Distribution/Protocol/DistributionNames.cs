using System.Text.RegularExpressions;

namespace Berth.Distribution.Protocol;

/// <summary>
/// The grammar of repository names and tags from the distribution spec ("Pulling manifests"):
/// path components of lowercase alphanumerics joined by <c>.</c>, <c>_</c>, <c>__</c> or dashes,
/// and tags of up to 128 characters that do not start with a dot or dash.
/// </summary>
public static partial class DistributionNames
{
    /// <summary>distribution/reference limits the whole name, host included, to 255 characters.</summary>
    public const int MaxNameLength = 255;

    public static bool IsValidRepository(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && RepositoryRegex().IsMatch(name);

    public static bool IsValidTag(string? tag) => !string.IsNullOrEmpty(tag) && TagRegex().IsMatch(tag);

    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryRegex();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();
}
