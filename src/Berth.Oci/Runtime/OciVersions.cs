using System.Text.RegularExpressions;

namespace Berth.Oci.Runtime;

/// <summary>The runtime-spec versions this runtime honours.</summary>
public static partial class OciVersions
{
    /// <summary>The version written into new configs and reported as ociVersionMax.</summary>
    public const string Current = "1.2.0";

    public const string Minimum = "1.0.0";

    /// <summary>
    /// True for any 1.0.x, 1.1.x or 1.2.x, including pre-release and build suffixes:
    /// runc 1.1 writes "1.0.2-dev" and such configs must keep loading. 1.3 and later may carry
    /// fields this runtime would silently ignore, so they are refused rather than half-honoured.
    /// </summary>
    public static bool IsSupported(string? version) => version is not null && SupportedPattern().IsMatch(version);

    [GeneratedRegex(@"^1\.[012]\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SupportedPattern();
}
