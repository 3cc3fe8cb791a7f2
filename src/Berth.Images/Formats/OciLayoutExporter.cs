using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// Writes images from the content store as an OCI image layout, to a directory or as a tar stream
/// (<c>oci-archive</c>), with every blob they reach. index.json names each image the way containerd
/// and podman do: <c>org.opencontainers.image.ref.name</c> holds the tag (what <c>skopeo oci:dir:tag</c>
/// and umoci look up) and <c>io.containerd.image.name</c> the full name. A tar is written in a fixed
/// order (oci-layout, index.json, blobs), so the same images give the same bytes. With a platform,
/// an index's manifests for other platforms are left out (the index itself is kept whole, as
/// containerd's <c>export --platform</c> does); without one, every platform must be in the store.
/// </summary>
public sealed class OciLayoutExporter(ContentStore store, Platform? platform = null)
{
    private readonly PlatformMatcher? _platforms = platform is null ? null : new PlatformMatcher(platform);

    public void ExportToArchive(IReadOnlyList<ExportImage> images, Stream tar)
    {
        using var writer = ArchiveWriter.ToTar(tar);
        Export(images, writer, indexLast: false);
    }

    public void ExportToDirectory(IReadOnlyList<ExportImage> images, string path)
    {
        using var writer = ArchiveWriter.ToDirectory(path);
        Export(images, writer, indexLast: true);
    }

    private void Export(IReadOnlyList<ExportImage> images, ArchiveWriter writer, bool indexLast)
    {
        var blobs = ImageGraph.Walk(store, images.Select((image, i) => (image.Target, $"image {image.Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)}")), "oci export", _platforms);
        var index = IndexJson(images);
        writer.AddFile(OciLayout.LayoutFile, OciLayout.LayoutBytes);
        // In a directory, index.json last: a layout cut short by a crash names no image whose blobs are absent.
        if (!indexLast)
            writer.AddFile(OciLayout.IndexFile, index);
        foreach (var blob in blobs)
        {
            using var data = store.OpenRead(blob.Digest);
            writer.AddFile(OciLayout.BlobPath(blob.Digest), data, data.Length);
        }
        if (indexLast)
            writer.AddFile(OciLayout.IndexFile, index);
    }

    private static byte[] IndexJson(IReadOnlyList<ExportImage> images)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", MediaTypes.OciIndex);
            json.WriteStartArray("manifests");
            foreach (var image in images)
            {
                var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in image.Target.Annotations ?? new Dictionary<string, string>())
                    annotations[key] = value;
                if (image.Name is { } name)
                {
                    annotations[OciLayout.ImageNameAnnotation] = name;
                    annotations[OciLayout.RefNameAnnotation] = OciLayout.RefName(name);
                }
                var descriptor = new Descriptor
                {
                    MediaType = image.Target.MediaType,
                    Digest = image.Target.Digest,
                    Size = image.Target.Size,
                    Platform = image.Target.Platform,
                    Annotations = annotations.Count > 0 ? annotations : null,
                };
                JsonSerializer.Serialize(json, descriptor, OciImageJson.Default.Descriptor);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
