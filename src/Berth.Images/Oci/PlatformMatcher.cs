namespace Berth.Images.Oci;

/// <summary>
/// Picks the manifest for a platform from an index, as containerd's <c>platforms.Only</c> does:
/// the exact platform first, then the ones it can also run, best first (an arm64 machine runs
/// arm/v8…v5, an amd64 one runs 386). Entries without a platform are never chosen.
/// </summary>
public sealed class PlatformMatcher
{
    public PlatformMatcher(Platform target)
    {
        Target = target.Normalize();
        Compatible = Vector(Target);
    }

    /// <summary>The host's platform, as <c>docker pull</c> without <c>--platform</c> uses.</summary>
    public static PlatformMatcher Default { get; } = new(Platform.Host);

    public Platform Target { get; }

    /// <summary>The platforms this machine runs, most preferred first.</summary>
    public IReadOnlyList<Platform> Compatible { get; }

    public bool Matches(Platform platform) => Rank(platform) >= 0;

    /// <summary>The first manifest of the best-ranked platform, or null when none matches.</summary>
    public Descriptor? Select(IEnumerable<Descriptor> manifests)
    {
        Descriptor? best = null;
        var bestRank = int.MaxValue;
        foreach (var manifest in manifests)
        {
            if (manifest.Platform is not { } platform)
                continue;
            var rank = Rank(platform);
            if (rank >= 0 && rank < bestRank)
            {
                best = manifest;
                bestRank = rank;
            }
        }
        return best;
    }

    private int Rank(Platform platform)
    {
        var p = platform.Normalize();
        if (p.OS != Target.OS)
            return -1;
        for (var i = 0; i < Compatible.Count; i++)
        {
            if (Compatible[i].Architecture == p.Architecture && Compatible[i].Variant == p.Variant)
                return i;
        }
        return -1;
    }

    private static List<Platform> Vector(Platform target)
    {
        var vector = new List<Platform> { target };
        switch (target.Architecture)
        {
            case "amd64":
                for (var v = VariantNumber(target.Variant, 1); v >= 2; v--)
                    vector.Add(target with { Variant = $"v{v}" });
                vector.Add(target with { Variant = null });
                vector.Add(target with { Architecture = "386", Variant = null });
                break;
            case "arm64":
                // arm64 without a variant is v8; every arm64 variant also runs 32-bit arm up to v8.
                for (var v = VariantNumber(target.Variant, 8); v >= 8; v--)
                    vector.Add((target with { Variant = $"v{v}" }).Normalize());
                vector.AddRange(ArmVector(target, 8));
                break;
            case "arm":
                vector.AddRange(ArmVector(target, VariantNumber(target.Variant, 7)));
                break;
        }
        return vector.Distinct().ToList();
    }

    private static IEnumerable<Platform> ArmVector(Platform target, int from)
    {
        for (var v = from; v >= 5; v--)
            yield return target with { Architecture = "arm", Variant = $"v{v}" };
    }

    /// <summary>The major number of a variant like "v9" or "v8.2", or <paramref name="fallback"/>.</summary>
    private static int VariantNumber(string? variant, int fallback)
    {
        if (string.IsNullOrEmpty(variant) || variant[0] != 'v')
            return fallback;
        var major = variant[1..].Split('.')[0];
        return int.TryParse(major, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : fallback;
    }
}
