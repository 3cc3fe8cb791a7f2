using System.Globalization;
using Berth.Images.Oci;

namespace Berth.Images.Bundles;

/// <summary>
/// Image config fields the runtime spec has no place for, as annotations (image-spec
/// conversion.md, keys as umoci writes them).
/// </summary>
public static class ImageAnnotations
{
    public const string OS = "org.opencontainers.image.os";
    public const string Architecture = "org.opencontainers.image.architecture";
    public const string Author = "org.opencontainers.image.author";
    public const string Created = "org.opencontainers.image.created";
    public const string StopSignal = "org.opencontainers.image.stopSignal";
    public const string ExposedPorts = "org.opencontainers.image.exposedPorts";

    /// <summary>
    /// The image's labels, plus the implicit annotations for the fields the image sets. A label
    /// with the same key wins, as conversion.md asks (umoci lets the implicit one win).
    /// </summary>
    public static Dictionary<string, string> For(ImageConfig image)
    {
        var config = image.Config;
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        void Implicit(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                annotations[key] = value;
        }

        Implicit(OS, image.OS);
        Implicit(Architecture, image.Architecture);
        Implicit(Author, image.Author);
        Implicit(Created, image.Created?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
        Implicit(StopSignal, config?.StopSignal);
        if (config?.ExposedPorts is { Count: > 0 } ports)
            Implicit(ExposedPorts, string.Join(',', ports.Keys.Order(StringComparer.Ordinal)));
        foreach (var (key, value) in config?.Labels ?? new Dictionary<string, string>())
            annotations[key] = value;
        return annotations;
    }
}
