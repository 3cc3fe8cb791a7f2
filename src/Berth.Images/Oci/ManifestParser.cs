using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Images.Content;

namespace Berth.Images.Oci;

/// <summary>
/// Parses the JSON documents of an image from the bytes of their blobs, strictly (IMG-CFG-3): a
/// 4 MiB limit, wrong types refused, unknown fields ignored, every digest parsed, every layer of a
/// known media type. Errors name the blob and the JSON path:
/// <c>manifest sha256:…: layers[0].mediaType: unsupported media type "application/x-foo"</c>.
/// </summary>
public static class ManifestParser
{
    /// <summary>The largest manifest, index or config accepted; containerd and registries use the same 4 MiB.</summary>
    public const int MaxDocumentSize = 4 << 20;

    /// <summary>
    /// The media type of a manifest or index: its <c>mediaType</c> field, else the descriptor's, else
    /// guessed from its shape. Docker schema 1 is refused by name.
    /// </summary>
    public static string DetectMediaType(ReadOnlySpan<byte> json, Digest digest, string? descriptorMediaType = null)
    {
        var what = $"manifest {digest}";
        CheckSize(json, what);
        string? field = null;
        int? schemaVersion = null;
        bool hasManifests = false, hasLayers = false, hasFsLayers = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ImageFormatException($"{what}: not a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "mediaType" when reader.TokenType == JsonTokenType.String:
                        field = reader.GetString();
                        break;
                    case "mediaType":
                        throw new ImageFormatException($"{what}: mediaType: must be a string");
                    case "schemaVersion" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v):
                        schemaVersion = v;
                        break;
                    case "manifests":
                        hasManifests = true;
                        break;
                    case "layers":
                        hasLayers = true;
                        break;
                    case "fsLayers":
                        hasFsLayers = true;
                        break;
                }
                reader.Skip();
            }
        }
        catch (JsonException e)
        {
            throw new ImageFormatException($"{what}: {Describe(e)}");
        }
        var schema1 = MediaTypes.IsSchema1(field) ? field : MediaTypes.IsSchema1(descriptorMediaType) ? descriptorMediaType : null;
        if (schema1 is not null || schemaVersion == 1 || hasFsLayers)
            throw new ImageFormatException($"{what}: docker image manifest schema 1 ({schema1 ?? "schemaVersion 1"}) is not supported, push the image again with a current docker");
        if (field is not null && !string.IsNullOrEmpty(descriptorMediaType) && field != descriptorMediaType)
            throw new ImageFormatException($"{what}: mediaType \"{field}\" does not match the descriptor's \"{descriptorMediaType}\"");
        var mediaType = field ?? (string.IsNullOrEmpty(descriptorMediaType) ? null : descriptorMediaType);
        mediaType ??= hasManifests ? MediaTypes.OciIndex : hasLayers ? MediaTypes.OciManifest : null;
        return mediaType ?? throw new ImageFormatException($"{what}: mediaType: missing, and the document is neither a manifest nor an index");
    }

    /// <summary>A manifest or an index, whichever the bytes hold.</summary>
    public static ManifestDocument Parse(ReadOnlySpan<byte> json, Digest digest, string? descriptorMediaType = null)
    {
        var mediaType = DetectMediaType(json, digest, descriptorMediaType);
        if (MediaTypes.IsIndex(mediaType))
            return new ManifestDocument(mediaType, null, ParseIndex(json, digest, mediaType));
        if (MediaTypes.IsManifest(mediaType))
            return new ManifestDocument(mediaType, ParseManifest(json, digest, mediaType), null);
        throw new ImageFormatException($"manifest {digest}: mediaType: unsupported media type \"{mediaType}\"");
    }

    public static ImageManifest ParseManifest(ReadOnlySpan<byte> json, Digest digest, string? descriptorMediaType = null)
    {
        var what = $"manifest {digest}";
        var mediaType = DetectMediaType(json, digest, descriptorMediaType);
        if (!MediaTypes.IsManifest(mediaType))
            throw new ImageFormatException($"{what}: mediaType: expected an image manifest, got \"{mediaType}\"");
        var manifest = Deserialize(json, OciImageJson.Default.ImageManifest, what);
        CheckSchemaVersion(manifest.SchemaVersion, what);
        if (manifest.Config is null)
            throw new ImageFormatException($"{what}: config: missing");
        CheckDescriptor(manifest.Config, "config", what);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = manifest.Layers[i];
            CheckDescriptor(layer, $"layers[{i}]", what);
            if (!MediaTypes.IsLayer(layer.MediaType))
                throw new ImageFormatException($"{what}: layers[{i}].mediaType: unsupported media type \"{layer.MediaType}\"");
        }
        if (manifest.Subject is not null)
            CheckDescriptor(manifest.Subject, "subject", what);
        return manifest;
    }

    public static ImageIndex ParseIndex(ReadOnlySpan<byte> json, Digest digest, string? descriptorMediaType = null)
    {
        var what = $"index {digest}";
        var mediaType = DetectMediaType(json, digest, descriptorMediaType);
        if (!MediaTypes.IsIndex(mediaType))
            throw new ImageFormatException($"{what}: mediaType: expected an image index, got \"{mediaType}\"");
        var index = Deserialize(json, OciImageJson.Default.ImageIndex, what);
        CheckSchemaVersion(index.SchemaVersion, what);
        for (var i = 0; i < index.Manifests.Count; i++)
        {
            var entry = index.Manifests[i];
            CheckDescriptor(entry, $"manifests[{i}]", what);
            if (entry.Platform is { } p)
            {
                if (p.OS.Length == 0)
                    throw new ImageFormatException($"{what}: manifests[{i}].platform.os: missing");
                if (p.Architecture.Length == 0)
                    throw new ImageFormatException($"{what}: manifests[{i}].platform.architecture: missing");
            }
        }
        if (index.Subject is not null)
            CheckDescriptor(index.Subject, "subject", what);
        return index;
    }

    public static ImageConfig ParseConfig(ReadOnlySpan<byte> json, Digest digest)
    {
        var what = $"config {digest}";
        CheckSize(json, what);
        var config = Deserialize(json, OciImageJson.Default.ImageConfig, what);
        if (config.Architecture.Length == 0)
            throw new ImageFormatException($"{what}: architecture: missing");
        if (config.OS.Length == 0)
            throw new ImageFormatException($"{what}: os: missing");
        if (config.RootFs is null)
            throw new ImageFormatException($"{what}: rootfs: missing");
        if (config.RootFs.Type != "layers")
            throw new ImageFormatException($"{what}: rootfs.type: must be \"layers\", got \"{config.RootFs.Type}\"");
        return config;
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> type, string what)
        where T : class
    {
        CheckSize(json, what);
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new ImageFormatException($"{what}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ImageFormatException($"{what}: {Describe(e)}");
        }
    }

    private static void CheckSize(ReadOnlySpan<byte> json, string what)
    {
        if (json.Length > MaxDocumentSize)
            throw new ImageFormatException($"{what}: size {json.Length} exceeds {MaxDocumentSize >> 20} MiB limit");
    }

    private static void CheckSchemaVersion(int version, string what)
    {
        if (version != 2)
            throw new ImageFormatException($"{what}: schemaVersion: must be 2, got {version}");
    }

    private static void CheckDescriptor(Descriptor d, string path, string what)
    {
        if (d.MediaType.Length == 0)
            throw new ImageFormatException($"{what}: {path}.mediaType: missing");
        if (d.Digest.Algorithm is null)
            throw new ImageFormatException($"{what}: {path}.digest: missing");
        if (d.Size < 0)
            throw new ImageFormatException($"{what}: {path}.size: must be a non-negative integer");
        if (d.Data is { } data && (data.Length != d.Size || Digest.Compute(data, d.Digest.Algorithm) != d.Digest))
            throw new ImageFormatException($"{what}: {path}.data: does not match the descriptor's size and digest");
    }

    /// <summary>"layers[2].digest: unsupported algorithm…" from a serializer error, in Berth's wording.</summary>
    private static string Describe(JsonException e)
    {
        var path = e.Path is null or "$" ? "" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        var message = e.Message;
        if (message.Contains("doesn't allow setting null values", StringComparison.Ordinal))
        {
            message = "must not be null";
        }
        else if (e is not FieldJsonException)
        {
            var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
            if (cut < 0)
                cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
            message = (cut >= 0 ? message[..cut] : message).TrimEnd('.', ' ', '|');
            message = message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : "invalid JSON";
        }
        return path.Length > 0 ? $"{path}: {message}" : message;
    }
}
