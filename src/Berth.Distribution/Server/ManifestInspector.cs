using System.Text.Json;
using Berth.Distribution.Protocol;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Server;

/// <summary>
/// Reads what the registry must know of a pushed manifest or index: its media type, the blobs and
/// manifests it references, its subject and artifact type. Deliberately looser than
/// <see cref="ManifestParser"/>: a registry stores artifacts whose layers are any media type, so only
/// the structure the distribution spec relies on is checked.
/// </summary>
public static class ManifestInspector
{
    public static InspectedManifest Inspect(ReadOnlySpan<byte> bytes, string? contentType)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.ToArray());
        }
        catch (JsonException e)
        {
            throw Invalid($"manifest is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid("manifest is not a JSON object");
            var field = OptionalString(root, "mediaType");
            var header = string.IsNullOrEmpty(contentType) ? null : contentType.Split(';')[0].Trim();
            if (root.TryGetProperty("schemaVersion", out var version) && version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var v) && v == 1
                || MediaTypes.IsSchema1(field) || MediaTypes.IsSchema1(header))
                throw new ErrorResponseException(400, ErrorCodes.ManifestInvalid, "docker image manifest schema 1 is not supported");
            if (field is not null && header is not null && header != field && header != "application/json")
                throw Invalid($"mediaType \"{field}\" does not match the Content-Type \"{header}\"");
            var mediaType = field ?? header;
            if (mediaType is null or "application/json")
                mediaType = root.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : MediaTypes.OciManifest;

            var blobs = new List<Descriptor>();
            var manifests = new List<Descriptor>();
            string? artifactType = OptionalString(root, "artifactType");
            if (MediaTypes.IsIndex(mediaType))
            {
                manifests.AddRange(Descriptors(root, "manifests", required: true));
            }
            else if (MediaTypes.IsManifest(mediaType))
            {
                if (!root.TryGetProperty("config", out var config))
                    throw Invalid("config: missing");
                var configDescriptor = ReadDescriptor(config, "config");
                blobs.Add(configDescriptor);
                blobs.AddRange(Descriptors(root, "layers", required: mediaType == MediaTypes.DockerManifest));
                // The image spec's rule for what a referrer is: artifactType, else the config's media type.
                artifactType ??= configDescriptor.MediaType;
            }
            else
            {
                throw Invalid($"unsupported manifest media type \"{mediaType}\"");
            }
            Descriptor? subject = root.TryGetProperty("subject", out var s) && s.ValueKind != JsonValueKind.Null ? ReadDescriptor(s, "subject") : null;
            var annotations = root.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object ? a.GetRawText() : null;
            return new InspectedManifest(mediaType, blobs, manifests, subject?.Digest, artifactType, annotations);
        }
    }

    private static IEnumerable<Descriptor> Descriptors(JsonElement root, string name, bool required)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            return required ? throw Invalid($"{name}: missing") : [];
        if (array.ValueKind != JsonValueKind.Array)
            throw Invalid($"{name}: must be an array");
        return array.EnumerateArray().Select((e, i) => ReadDescriptor(e, $"{name}[{i}]")).ToList();
    }

    private static Descriptor ReadDescriptor(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Invalid($"{path}: must be an object");
        var digestText = OptionalString(element, "digest") ?? throw Invalid($"{path}.digest: missing");
        if (!Digest.TryParse(digestText, out var digest, out var error))
            throw Invalid($"{path}.digest: {error}");
        if (!element.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var length) || length < 0)
            throw Invalid($"{path}.size: must be a non-negative integer");
        List<string>? urls = null;
        if (element.TryGetProperty("urls", out var u) && u.ValueKind == JsonValueKind.Array)
            urls = u.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
        return new Descriptor { MediaType = OptionalString(element, "mediaType") ?? "", Digest = digest, Size = length, Urls = urls };
    }

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"{name}: must be a string");
    }

    private static ErrorResponseException Invalid(string message) => new(400, ErrorCodes.ManifestInvalid, "manifest invalid", message);
}

/// <summary>What <see cref="ManifestInspector"/> found in a manifest or index.</summary>
public sealed record InspectedManifest(
    string MediaType,
    IReadOnlyList<Descriptor> Blobs,
    IReadOnlyList<Descriptor> Manifests,
    Digest? Subject,
    string? ArtifactType,
    string? AnnotationsJson);
