using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// Imports an OCI image layout, from a directory or streamed from a tar (<c>oci-archive</c>), into
/// the content store, after containerd's importer (<c>core/images/archive/importer.go</c>). Blobs are
/// verified against their names as they stream; index.json and oci-layout are kept in memory (size
/// limited); at the end every blob reachable from index.json must be in the store. Top-level files
/// other than these are ignored, as containerd does. Nothing is registered as an image here: the
/// caller names and records the returned images. With a platform, an index's manifests for other
/// platforms need not be in the archive (what an export for one platform writes).
/// </summary>
public sealed class OciLayoutImporter(ContentStore store, Platform? platform = null)
{
    private readonly PlatformMatcher? _platforms = platform is null ? null : new PlatformMatcher(platform);

    /// <summary>Reads the archive as a stream, once; it may be gzip or zstd compressed, as <c>docker load</c> accepts.</summary>
    public IReadOnlyList<ImportedImage> ImportArchive(Stream tar, string archiveName) =>
        Import(ArchiveReader.FromTar(Compression.OpenUncompressed(tar, leaveOpen: true), $"oci-archive {archiveName}"), $"oci-archive {archiveName}");

    public IReadOnlyList<ImportedImage> ImportDirectory(string path) =>
        Import(ArchiveReader.FromDirectory(path, $"oci layout {path}"), $"oci layout {path}");

    /// <summary>
    /// Imports a layout read at random (a directory, or an uncompressed tar indexed by its headers):
    /// index.json and the manifests first, the layers left in <paramref name="layers"/> for the unpack
    /// to store as it extracts them. The members must stay readable until then.
    /// </summary>
    internal IReadOnlyList<ImportedImage> ImportMembers(IReadOnlyDictionary<string, ArchiveEntry> members, string what, PendingBlobs layers)
    {
        var index = ReadIndex(
            members.TryGetValue(OciLayout.LayoutFile, out var layout) ? ReadFile(layout, what) : null,
            members.TryGetValue(OciLayout.IndexFile, out var indexJson) ? ReadFile(indexJson, what) : null,
            what);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        ImageGraph.Walk(store, Roots(index), what, _platforms, (d, isLayer) =>
        {
            var name = $"{OciLayout.BlobsDirectory}/{d.Digest.Algorithm}/{d.Digest.Encoded}";
            if (!members.TryGetValue(name, out var entry) || !visited.Add(name) || store.Exists(d.Digest))
                return null;
            if (!isLayer || entry.Kind != ArchiveEntryKind.File)
            {
                IngestBlob(entry, what);
                return null;
            }
            layers.Add(d, entry.Open);
            return entry.Length;
        });
        // The rest (an index's manifests for other platforms, say) is stored as a streamed import would.
        foreach (var (name, entry) in members)
        {
            if (name.StartsWith(OciLayout.BlobsDirectory + "/", StringComparison.Ordinal) && !visited.Contains(name))
                IngestBlob(entry, what);
        }
        return Images(index);
    }

    private IReadOnlyList<ImportedImage> Import(IEnumerable<ArchiveEntry> entries, string what)
    {
        byte[]? layout = null;
        byte[]? indexJson = null;
        foreach (var entry in entries)
        {
            if (entry.Name == OciLayout.LayoutFile)
                layout = ReadFile(entry, what);
            else if (entry.Name == OciLayout.IndexFile)
                indexJson = ReadFile(entry, what);
            else if (entry.Name.StartsWith(OciLayout.BlobsDirectory + "/", StringComparison.Ordinal))
                IngestBlob(entry, what);
        }
        var index = ReadIndex(layout, indexJson, what);
        ImageGraph.Walk(store, Roots(index), what, _platforms);
        return Images(index);
    }

    private static ImageIndex ReadIndex(byte[]? layout, byte[]? indexJson, string what)
    {
        if (layout is null)
            throw new ArchiveFormatException($"{what}: {OciLayout.LayoutFile}: missing");
        OciLayout.CheckLayoutFile(layout, what);
        if (indexJson is null)
            throw new ArchiveFormatException($"{what}: {OciLayout.IndexFile}: missing");
        try
        {
            return ManifestParser.ParseIndex(indexJson, Digest.Compute(indexJson), MediaTypes.OciIndex);
        }
        catch (ImageFormatException e)
        {
            throw new ArchiveFormatException($"{what}: {OciLayout.IndexFile}: {e.Message}", e);
        }
    }

    private static IEnumerable<(Descriptor, string)> Roots(ImageIndex index) =>
        index.Manifests.Select((d, i) => (d, $"{OciLayout.IndexFile} manifests[{i}]"));

    private static List<ImportedImage> Images(ImageIndex index) =>
        index.Manifests.Select(d => new ImportedImage(NameOf(d), d)).ToList();

    private static byte[] ReadFile(ArchiveEntry entry, string what) =>
        entry.Kind == ArchiveEntryKind.File
            ? ArchiveReader.ReadSmall(entry, ManifestParser.MaxDocumentSize, what)
            : throw new ArchiveFormatException($"{what}: {entry.Name}: not a regular file");

    private void IngestBlob(ArchiveEntry entry, string what)
    {
        if (entry.Kind == ArchiveEntryKind.Directory)
            return;
        var parts = entry.Name.Split('/');
        if (parts.Length != 3 || !Digest.TryParse($"{parts[1]}:{parts[2]}", out var digest, out _))
            throw new ArchiveFormatException($"{what}: {entry.Name}: not a blob path blobs/<algorithm>/<digest>");
        // A link could make a blob's name stand for content it does not hold; skopeo and containerd
        // write regular files only.
        if (entry.Kind != ArchiveEntryKind.File)
            throw new ArchiveFormatException($"{what}: {entry.Name}: not a regular file");
        using var data = entry.Open();
        try
        {
            store.Ingest(data, new Descriptor { Digest = digest, Size = entry.Length });
        }
        catch (ContentVerificationException e)
        {
            throw new ArchiveFormatException($"{what}: {entry.Name}: {e.Message}", e);
        }
    }

    private static string? NameOf(Descriptor d)
    {
        if (d.Annotations is not { } annotations)
            return null;
        return annotations.TryGetValue(OciLayout.ImageNameAnnotation, out var name) && name.Length > 0 ? name
            : annotations.TryGetValue(OciLayout.RefNameAnnotation, out var refName) && refName.Length > 0 ? refName
            : null;
    }
}
