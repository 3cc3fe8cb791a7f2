using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// Writes images from the content store in the <c>docker save</c> legacy layout that docker 20.10's
/// <c>docker load</c> reads: <c>&lt;diff-id-hex&gt;/layer.tar</c> (uncompressed), <c>&lt;config-hex&gt;.json</c>,
/// manifest.json and repositories; to a tar stream or a directory. Compressed layers are decompressed
/// twice, streaming: once to learn the size a tar header needs and to check the diff id (IMG-P4),
/// once to write; no layer is spooled to disk or memory. For an index, the manifest for
/// <c>platform</c> (the host's by default) is exported.
/// </summary>
public sealed class DockerArchiveExporter(ContentStore store, Platform? platform = null)
{
    private const string What = "docker-archive export";

    private readonly PlatformMatcher _matcher = platform is null ? PlatformMatcher.Default : new PlatformMatcher(platform);

    public void ExportToArchive(IReadOnlyList<ExportImage> images, Stream tar)
    {
        using var writer = ArchiveWriter.ToTar(tar);
        Export(images, writer);
    }

    public void ExportToDirectory(IReadOnlyList<ExportImage> images, string path)
    {
        using var writer = ArchiveWriter.ToDirectory(path);
        Export(images, writer);
    }

    private void Export(IReadOnlyList<ExportImage> images, ArchiveWriter writer)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<(string Config, List<string> Tags, List<string> Layers)>();
        var repositories = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            var manifestDescriptor = SelectManifest(image.Target);
            var manifest = Read(manifestDescriptor, (json, digest, type) => ManifestParser.ParseManifest(json, digest, type));
            var config = manifest.Config!;
            var diffIds = ReadConfig(config).RootFs!.DiffIds;
            if (diffIds.Count != manifest.Layers.Count)
                throw new ArchiveFormatException($"{What}: manifest {manifestDescriptor.Digest}: {manifest.Layers.Count} layers, but config {config.Digest} lists {diffIds.Count} diff_ids");
            var layerPaths = new List<string>();
            for (var j = 0; j < manifest.Layers.Count; j++)
            {
                var path = $"{diffIds[j].Encoded}/{DockerArchive.LayerFile}";
                if (written.Add(path))
                    WriteLayer(writer, path, manifest.Layers[j], diffIds[j]);
                layerPaths.Add(path);
            }
            var configPath = $"{config.Digest.Encoded}.json";
            if (written.Add(configPath))
            {
                using var data = store.OpenRead(config.Digest);
                writer.AddFile(configPath, data, data.Length);
            }
            var tags = new List<string>();
            if (image.Name is { } name && Split(DockerArchive.Familiar(name)) is var (repository, tag))
            {
                tags.Add($"{repository}:{tag}");
                if (!repositories.TryGetValue(repository, out var byTag))
                    repositories[repository] = byTag = new SortedDictionary<string, string>(StringComparer.Ordinal);
                if (layerPaths.Count > 0)
                    byTag[tag] = diffIds[^1].Encoded;
            }
            var existing = entries.FindIndex(e => e.Config == configPath);
            if (existing >= 0)
                entries[existing].Tags.AddRange(tags);
            else
                entries.Add((configPath, tags, layerPaths));
        }
        writer.AddFile(DockerArchive.ManifestFile, ManifestJson(entries));
        writer.AddFile(DockerArchive.RepositoriesFile, RepositoriesJson(repositories));
    }

    private Descriptor SelectManifest(Descriptor target)
    {
        for (var depth = 0; MediaTypes.IsIndex(target.MediaType); depth++)
        {
            if (depth > 4)
                throw new ArchiveFormatException($"{What}: index {target.Digest}: indexes nested too deep");
            var index = Read(target, (json, digest, type) => ManifestParser.ParseIndex(json, digest, type));
            target = _matcher.Select(index.Manifests)
                ?? throw new ArchiveFormatException($"{What}: index {target.Digest}: no manifest for platform {_matcher.Target}");
        }
        return target;
    }

    private void WriteLayer(ArchiveWriter writer, string path, Descriptor layer, Digest diffId)
    {
        var compression = MediaTypes.LayerCompressionOf(layer.MediaType)
            ?? throw new ArchiveFormatException($"{What}: layer {layer.Digest}: unsupported media type \"{layer.MediaType}\"");
        long size;
        using (var check = new DigestingStream(Compression.Decompress(store.OpenRead(layer.Digest), compression)))
        {
            check.Drain();
            if (check.Digest != diffId)
                throw new ArchiveFormatException($"{What}: layer {layer.Digest}: uncompressed digest {check.Digest} does not match diff id {diffId}");
            size = check.BytesSeen;
        }
        using var data = Compression.Decompress(store.OpenRead(layer.Digest), compression);
        writer.AddFile(path, data, size);
    }

    private ImageConfig ReadConfig(Descriptor config) =>
        Read(config, (json, digest, _) => ManifestParser.ParseConfig(json, digest));

    private T Read<T>(Descriptor d, Func<byte[], Digest, string?, T> parse)
    {
        try
        {
            return parse(store.ReadAllBytes(d.Digest, ManifestParser.MaxDocumentSize), d.Digest, d.MediaType);
        }
        catch (Exception e) when (e is ImageFormatException or ContentException)
        {
            throw new ArchiveFormatException($"{What}: {e.Message}", e);
        }
    }

    /// <summary>Repository and tag of a name; null for a reference by digest only, which RepoTags cannot hold.</summary>
    private static (string, string)? Split(string name)
    {
        if (name.Contains('@'))
            return null;
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? (name[..colon], name[(colon + 1)..]) : (name, "latest");
    }

    private static byte[] ManifestJson(List<(string Config, List<string> Tags, List<string> Layers)> entries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (config, tags, layers) in entries)
            {
                json.WriteStartObject();
                json.WriteString("Config", config);
                json.WritePropertyName("RepoTags");
                if (tags.Count == 0)
                {
                    json.WriteNullValue();
                }
                else
                {
                    json.WriteStartArray();
                    foreach (var tag in tags)
                        json.WriteStringValue(tag);
                    json.WriteEndArray();
                }
                json.WriteStartArray("Layers");
                foreach (var layer in layers)
                    json.WriteStringValue(layer);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return buffer.ToArray();
    }

    private static byte[] RepositoriesJson(SortedDictionary<string, SortedDictionary<string, string>> repositories)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (repository, tags) in repositories)
            {
                json.WriteStartObject(repository);
                foreach (var (tag, id) in tags)
                    json.WriteString(tag, id);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
