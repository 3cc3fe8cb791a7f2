using System.Text.Json;

namespace Berth.Images.Formats;

/// <summary>
/// One element of a docker-archive's manifest.json: the config and layer paths inside the archive,
/// and the names the image had. Parsed by hand (JsonDocument) so that a wrong type is refused with
/// the field's path rather than coerced.
/// </summary>
internal sealed record DockerArchiveManifest(string Config, IReadOnlyList<string>? RepoTags, IReadOnlyList<string> Layers)
{
    public static List<DockerArchiveManifest> Parse(byte[] json, string what)
    {
        what = $"{what}: {DockerArchive.ManifestFile}";
        var list = new List<DockerArchiveManifest>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new ArchiveFormatException($"{what}: must be a JSON array");
            var i = 0;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                var at = $"{what}: [{i}]";
                if (item.ValueKind != JsonValueKind.Object)
                    throw new ArchiveFormatException($"{at}: must be an object");
                var config = item.TryGetProperty("Config", out var c) && c.ValueKind == JsonValueKind.String
                    ? c.GetString()!
                    : throw new ArchiveFormatException($"{at}.Config: must be a string");
                var tags = item.TryGetProperty("RepoTags", out var t) && t.ValueKind != JsonValueKind.Null
                    ? Strings(t, $"{at}.RepoTags")
                    : null;
                var layers = item.TryGetProperty("Layers", out var l) && l.ValueKind != JsonValueKind.Null
                    ? Strings(l, $"{at}.Layers")
                    : [];
                list.Add(new DockerArchiveManifest(config, tags, layers));
                i++;
            }
        }
        catch (JsonException e)
        {
            throw new ArchiveFormatException($"{what}: invalid JSON", e);
        }
        return list;
    }

    private static List<string> Strings(JsonElement array, string at)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw new ArchiveFormatException($"{at}: must be an array of strings");
        var list = new List<string>();
        foreach (var item in array.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new ArchiveFormatException($"{at}[{list.Count}]: must be a string"));
        }
        return list;
    }
}
