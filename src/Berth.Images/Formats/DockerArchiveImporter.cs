using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// Imports the <c>docker save</c> format, from a tar stream or a directory: the legacy layout
/// (<c>&lt;id&gt;/layer.tar</c>, <c>&lt;id&gt;.json</c>) and docker 25's, which is also an OCI layout
/// (<c>blobs/sha256/…</c>); manifest.json is what both are read by. A tar is read once and
/// manifest.json may come last, so every member that may be a layer or config goes straight into the
/// content store as it passes, hashed on the way; manifest.json is resolved against those digests at
/// the end. Each image gets a Docker schema 2 manifest, as <c>docker load</c> into containerd does.
/// Layer blobs are stored as they are in the archive (uncompressed, or gzip or zstd by magic), and
/// their uncompressed digests must match the config's diff_ids (IMG-P4).
/// </summary>
public sealed class DockerArchiveImporter(ContentStore store)
{
    /// <summary>How many symlinks in a row lead from one layer.tar to another before it counts as a loop.</summary>
    private const int MaxLinkHops = 16;

    /// <summary>Reads the archive as a stream, once; it may be gzip or zstd compressed, as <c>docker load</c> accepts.</summary>
    public IReadOnlyList<ImportedImage> ImportArchive(Stream tar, string archiveName) =>
        Import(ArchiveReader.FromTar(Compression.OpenUncompressed(tar, leaveOpen: true), $"docker-archive {archiveName}"), $"docker-archive {archiveName}");

    public IReadOnlyList<ImportedImage> ImportDirectory(string path) =>
        Import(ArchiveReader.FromDirectory(path, $"docker-archive {path}"), $"docker-archive {path}");

    /// <summary>
    /// Imports a docker-archive read at random (a directory, or an uncompressed tar indexed by its
    /// headers): manifest.json and the configs first, and each uncompressed layer left in
    /// <paramref name="layers"/> under its diff id (what an uncompressed layer's digest is) for the
    /// unpack to store as it extracts it, which verifies that claim. The members must stay readable
    /// until then.
    /// </summary>
    internal IReadOnlyList<ImportedImage> ImportMembers(IReadOnlyDictionary<string, ArchiveEntry> members, string what, PendingBlobs layers)
    {
        if (!members.TryGetValue(DockerArchive.ManifestFile, out var manifestEntry))
            throw new ArchiveFormatException($"{what}: {DockerArchive.ManifestFile}: missing");
        var manifestJson = manifestEntry.Kind == ArchiveEntryKind.File
            ? ArchiveReader.ReadSmall(manifestEntry, ManifestParser.MaxDocumentSize, what)
            : throw new ArchiveFormatException($"{what}: {manifestEntry.Name}: not a regular file");
        var files = new Dictionary<string, ArchiveEntry>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in members.Values)
        {
            if (entry.Kind is ArchiveEntryKind.Symlink or ArchiveEntryKind.Hardlink && IsCandidate(entry.Name))
                links[entry.Name] = LinkTarget(entry, what);
            else if (entry.Kind == ArchiveEntryKind.File && IsCandidate(entry.Name))
                files[entry.Name] = entry;
        }
        var stored = new Dictionary<string, Descriptor>(StringComparer.Ordinal);
        Descriptor Stored(ArchiveEntry entry) => stored.TryGetValue(entry.Name, out var d) ? d : stored[entry.Name] = IngestEntry(entry, what);
        var diffIds = new Dictionary<Digest, Digest>();
        return Images(manifestJson, what, (path, at) => Stored(Resolve(path, at, files, links)), (path, at, diffId) =>
        {
            var entry = Resolve(path, at, files, links);
            LayerCompression compression;
            using (var head = entry.Open())
                Compression.Sniff(head, out compression).Dispose();
            if (compression != LayerCompression.None)
                return LayerOf(Stored(entry), diffIds);
            var named = NamedDigest(entry.Name, what) ?? diffId;
            var blob = new Descriptor { Digest = named, Size = entry.Length, MediaType = MediaTypes.DockerLayer };
            if (!store.Exists(named))
                layers.Add(blob, entry.Open);
            return (blob, compression, named);
        });
    }

    private IReadOnlyList<ImportedImage> Import(IEnumerable<ArchiveEntry> entries, string what)
    {
        byte[]? manifestJson = null;
        var blobs = new Dictionary<string, Descriptor>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.Name == DockerArchive.ManifestFile)
            {
                manifestJson = entry.Kind == ArchiveEntryKind.File
                    ? ArchiveReader.ReadSmall(entry, ManifestParser.MaxDocumentSize, what)
                    : throw new ArchiveFormatException($"{what}: {entry.Name}: not a regular file");
            }
            else if (entry.Kind is ArchiveEntryKind.Symlink or ArchiveEntryKind.Hardlink && IsCandidate(entry.Name))
            {
                links[entry.Name] = LinkTarget(entry, what);
            }
            else if (entry.Kind == ArchiveEntryKind.File && IsCandidate(entry.Name))
            {
                blobs[entry.Name] = IngestEntry(entry, what);
            }
        }
        if (manifestJson is null)
            throw new ArchiveFormatException($"{what}: {DockerArchive.ManifestFile}: missing");
        var diffIds = new Dictionary<Digest, Digest>();
        return Images(manifestJson, what, (path, at) => Resolve(path, at, blobs, links),
            (path, at, _) => LayerOf(Resolve(path, at, blobs, links), diffIds));
    }

    /// <summary>
    /// The images manifest.json lists, each stored as a schema 2 manifest; <paramref name="config"/>
    /// finds a config by its path in the archive (stored), <paramref name="layer"/> a layer (given the
    /// diff id the config expects of it) with its compression and actual diff id.
    /// </summary>
    private List<ImportedImage> Images(byte[] manifestJson, string what, Func<string, string, Descriptor> config,
        Func<string, string, Digest, (Descriptor Blob, LayerCompression Compression, Digest DiffId)> layer)
    {
        var images = new List<ImportedImage>();
        var manifests = DockerArchiveManifest.Parse(manifestJson, what);
        for (var i = 0; i < manifests.Count; i++)
        {
            var target = StoreManifest(manifests[i], $"{what}: {DockerArchive.ManifestFile}: [{i}]", config, layer);
            if (manifests[i].RepoTags is { Count: > 0 } tags)
                images.AddRange(tags.Select(tag => new ImportedImage(tag, target)));
            else
                images.Add(new ImportedImage(null, target));
        }
        return images;
    }

    /// <summary>A stored layer blob with its compression (sniffed) and diff id (computed once per blob).</summary>
    private (Descriptor, LayerCompression, Digest) LayerOf(Descriptor blob, Dictionary<Digest, Digest> diffIds)
    {
        LayerCompression compression;
        using (var head = store.OpenRead(blob.Digest))
            Compression.Sniff(head, out compression).Dispose();
        if (!diffIds.TryGetValue(blob.Digest, out var diffId))
        {
            diffId = compression == LayerCompression.None ? blob.Digest : UncompressedDigest(blob.Digest);
            diffIds[blob.Digest] = diffId;
        }
        return (blob, compression, diffId);
    }

    private static string LinkTarget(ArchiveEntry entry, string what)
    {
        // docker save links a layer that two images share instead of writing it twice.
        var ok = entry.Kind == ArchiveEntryKind.Symlink
            ? ArchivePath.TryResolveLink(entry.Name, entry.LinkTarget!, out var target)
            : ArchivePath.TryClean(entry.LinkTarget!, out target);
        return ok ? target : throw new ArchiveFormatException($"{what}: {entry.Name}: link to \"{entry.LinkTarget}\" escapes the archive");
    }

    /// <summary>The digest a <c>blobs/&lt;alg&gt;/&lt;hex&gt;</c> member is named by; null for other names.</summary>
    private static Digest? NamedDigest(string name, string what)
    {
        var parts = name.Split('/');
        if (parts[0] != OciLayout.BlobsDirectory)
            return null;
        return Digest.TryParse($"{parts[1]}:{parts[2]}", out var named, out _)
            ? named
            : throw new ArchiveFormatException($"{what}: {name}: not a blob path blobs/<algorithm>/<digest>");
    }

    /// <summary>
    /// Members that may be a layer or a config: <c>&lt;id&gt;/layer.tar</c> and <c>&lt;id&gt;.json</c>
    /// (docker save), <c>&lt;hex&gt;.tar</c> (skopeo), <c>blobs/&lt;alg&gt;/&lt;hex&gt;</c> (docker 25).
    /// </summary>
    private static bool IsCandidate(string name) =>
        DockerArchive.IsLegacyLayer(name)
        || (!name.Contains('/') && (name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".tar", StringComparison.Ordinal))
            && name != DockerArchive.ManifestFile && name != OciLayout.IndexFile)
        || (name.StartsWith(OciLayout.BlobsDirectory + "/", StringComparison.Ordinal) && name.Count(c => c == '/') == 2);

    private Descriptor IngestEntry(ArchiveEntry entry, string what)
    {
        if (NamedDigest(entry.Name, what) is { } named)
        {
            using var blob = entry.Open();
            try
            {
                store.Ingest(blob, new Descriptor { Digest = named, Size = entry.Length });
            }
            catch (ContentVerificationException e)
            {
                throw new ArchiveFormatException($"{what}: {entry.Name}: {e.Message}", e);
            }
            return new Descriptor { Digest = named, Size = entry.Length };
        }
        // The digest is known only once the bytes have passed: write under a private ref, hash on
        // the way, and commit under what came out. An abandoned ingest is discarded.
        var reference = $"docker-archive-{Guid.NewGuid():N}";
        try
        {
            using var data = entry.Open();
            using var writer = store.OpenWriter(reference, entry.Length);
            using var hashing = new DigestingStream(writer, leaveOpen: true);
            data.CopyTo(hashing);
            var digest = hashing.Digest;
            writer.Commit(entry.Length, digest);
            return new Descriptor { Digest = digest, Size = entry.Length };
        }
        catch (ContentVerificationException e)
        {
            store.Abort(reference);
            throw new ArchiveFormatException($"{what}: {entry.Name}: {e.Message}", e);
        }
        catch
        {
            store.Abort(reference);
            throw;
        }
    }

    private Descriptor StoreManifest(DockerArchiveManifest m, string what, Func<string, string, Descriptor> configOf,
        Func<string, string, Digest, (Descriptor Blob, LayerCompression Compression, Digest DiffId)> layerOf)
    {
        var configBlob = configOf(m.Config, $"{what}.Config");
        ImageConfig config;
        try
        {
            config = ManifestParser.ParseConfig(store.ReadAllBytes(configBlob.Digest, ManifestParser.MaxDocumentSize), configBlob.Digest);
        }
        catch (Exception e) when (e is ImageFormatException or ContentException)
        {
            throw new ArchiveFormatException($"{what}.Config: {e.Message}", e);
        }
        var diffIds = config.RootFs!.DiffIds;
        if (diffIds.Count != m.Layers.Count)
            throw new ArchiveFormatException($"{what}: {m.Layers.Count} layers, but config {configBlob.Digest} lists {diffIds.Count} diff_ids");
        var layers = new List<Descriptor>();
        for (var j = 0; j < m.Layers.Count; j++)
        {
            var (blob, compression, diffId) = layerOf(m.Layers[j], $"{what}.Layers[{j}]", diffIds[j]);
            if (diffId != diffIds[j])
                throw new ArchiveFormatException($"{what}.Layers[{j}]: \"{m.Layers[j]}\" has diff id {diffId}, but config {configBlob.Digest} lists {diffIds[j]}");
            var mediaType = compression switch
            {
                LayerCompression.Gzip => MediaTypes.DockerLayerGzip,
                LayerCompression.Zstd => MediaTypes.DockerLayerZstd,
                _ => MediaTypes.DockerLayer,
            };
            layers.Add(blob with { MediaType = mediaType });
        }
        var manifest = SchemaTwoManifest(configBlob with { MediaType = MediaTypes.DockerConfig }, layers);
        var descriptor = new Descriptor { MediaType = MediaTypes.DockerManifest, Digest = Digest.Compute(manifest), Size = manifest.Length };
        store.Ingest(new MemoryStream(manifest), descriptor);
        return descriptor;
    }

    private Digest UncompressedDigest(Digest blob)
    {
        using var data = Compression.OpenUncompressed(store.OpenRead(blob));
        using var hashing = new DigestingStream(data);
        hashing.Drain();
        return hashing.Digest;
    }

    private static T Resolve<T>(string path, string what, Dictionary<string, T> blobs, Dictionary<string, string> links)
    {
        if (!ArchivePath.TryClean(path, out var cleaned))
            throw new ArchiveFormatException($"{what}: \"{path}\" escapes the archive");
        for (var hops = 0; hops <= MaxLinkHops; hops++)
        {
            if (blobs.TryGetValue(cleaned, out var blob))
                return blob;
            if (!links.TryGetValue(cleaned, out var next))
                throw new ArchiveFormatException($"{what}: \"{path}\" not found in the archive");
            cleaned = next;
        }
        throw new ArchiveFormatException($"{what}: \"{path}\": too many levels of links");
    }

    /// <summary>Docker's schema 2 manifest, fields in the order the docker registry writes them, so the same image gives the same digest.</summary>
    private static byte[] SchemaTwoManifest(Descriptor config, List<Descriptor> layers)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", MediaTypes.DockerManifest);
            json.WritePropertyName("config");
            WriteDescriptor(json, config);
            json.WriteStartArray("layers");
            foreach (var layer in layers)
                WriteDescriptor(json, layer);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteDescriptor(Utf8JsonWriter json, Descriptor d)
    {
        json.WriteStartObject();
        json.WriteString("mediaType", d.MediaType);
        json.WriteNumber("size", d.Size);
        json.WriteString("digest", d.Digest.ToString());
        json.WriteEndObject();
    }
}
