using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// What <c>berth image import</c> puts into the new image's config besides the layer: the
/// Dockerfile-like changes of <c>docker import --change</c>, and where the tarball came from.
/// </summary>
public sealed record RootfsImportOptions
{
    /// <summary>Where the tarball came from (a path, a URL, "-"), for the history entry.</summary>
    public string Source { get; init; } = "-";

    /// <summary>The image's platform; the host's when null.</summary>
    public Platform? Platform { get; init; }

    /// <summary>The config's creation time; now when null. Fix it for a reproducible image.</summary>
    public DateTimeOffset? Created { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Env { get; init; }

    public string? WorkingDir { get; init; }

    public string? User { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>A commit message for the history entry, as <c>docker import --message</c>.</summary>
    public string? Message { get; init; }
}
