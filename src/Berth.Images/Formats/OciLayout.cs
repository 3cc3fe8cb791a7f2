using System.Text;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>The fixed names of an OCI image layout (image-spec image-layout.md) and the annotations that name its images.</summary>
public static class OciLayout
{
    public const string LayoutFile = "oci-layout";
    public const string IndexFile = "index.json";
    public const string BlobsDirectory = "blobs";
    public const string Version = "1.0.0";

    /// <summary>The tag (or the whole reference) in the OCI spec's own annotation.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>containerd's annotation with the full name, since a tag alone cannot name an image.</summary>
    public const string ImageNameAnnotation = "io.containerd.image.name";

    internal static byte[] LayoutBytes => Encoding.UTF8.GetBytes($$"""{"imageLayoutVersion":"{{Version}}"}""");

    /// <summary>The path of a blob inside the layout, <c>blobs/sha256/&lt;hex&gt;</c>.</summary>
    public static string BlobPath(Digest digest) => $"{BlobsDirectory}/{digest.Algorithm}/{digest.Encoded}";

    /// <summary>Checks the <c>oci-layout</c> file; only version 1.0.0 exists, and a later one may change what the blobs mean.</summary>
    internal static void CheckLayoutFile(byte[] json, string what)
    {
        string? version;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ArchiveFormatException($"{what}: {LayoutFile}: not a JSON object");
            version = doc.RootElement.TryGetProperty("imageLayoutVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new ArchiveFormatException($"{what}: {LayoutFile}: invalid JSON", e);
        }
        if (version is null)
            throw new ArchiveFormatException($"{what}: {LayoutFile}: imageLayoutVersion: missing");
        if (version != Version)
            throw new ArchiveFormatException($"{what}: {LayoutFile}: unsupported imageLayoutVersion \"{version}\", expected \"{Version}\"");
    }

    /// <summary>
    /// The tag part of a reference, which the OCI annotation holds (containerd's
    /// <c>ociReferenceName</c>): <c>docker.io/library/busybox:1.36</c> gives <c>1.36</c>; a reference
    /// without a tag is kept whole.
    /// </summary>
    internal static string RefName(string name)
    {
        var at = name.IndexOf('@');
        var path = at >= 0 ? name[..at] : name;
        var colon = path.LastIndexOf(':');
        if (colon > path.LastIndexOf('/'))
            return name[(colon + 1)..];
        return at >= 0 ? name[at..] : name;
    }
}
