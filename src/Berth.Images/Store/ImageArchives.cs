using System.Formats.Tar;
using Berth.Images.Content;
using Berth.Images.Formats;
using Berth.Images.Metadata;
using Berth.Images.Oci;
using Berth.Images.References;

namespace Berth.Images.Store;

/// <summary>
/// docker load / save / import on the store: archives in and out, names registered, layers
/// unpacked. An image becomes visible by name only after all its blobs are verified and its
/// layers unpacked, so an interrupted load leaves no half image behind.
/// </summary>
public static class ImageArchives
{
    /// <summary>Loads a docker-archive or an OCI archive (tar, optionally gzip or zstd), or either layout as a directory.</summary>
    /// <returns>The names registered ("Loaded image: …"), or the image IDs of unnamed images.</returns>
    public static IReadOnlyList<string> Load(ImageStore store, string path, ArchiveFormat format = ArchiveFormat.Auto, Action<string, int, bool>? layerDone = null)
    {
        // An archive read at random (a directory, or a tar file not compressed) has its layers stored
        // by the unpack as it extracts them, side by side: each layer's bytes are read once.
        var layers = new PendingBlobs();
        if (Directory.Exists(path))
            return Register(store, ImportMembers(store, ArchiveReader.FromDirectory(path, $"archive {path}").ToDictionary(e => e.Name, StringComparer.Ordinal), path, format, layers), layerDone, layers);
        using var file = File.OpenRead(path);
        var name = Path.GetFileName(path);
        // A compressed archive is not scanned: docker load's format is assumed, as docker does.
        if (!IsPlainTar(file))
            return Register(store, Import(store, file, name, format == ArchiveFormat.Auto ? ArchiveFormat.DockerArchive : format), layerDone);
        return Register(store, ImportMembers(store, TarIndex.Read(file, $"archive {name}"), name, format, layers), layerDone, layers);
    }

    /// <summary>A docker-archive has manifest.json at its top; an OCI layout has index.json instead.</summary>
    private static IReadOnlyList<ImportedImage> ImportMembers(ImageStore store, Dictionary<string, ArchiveEntry> members, string name, ArchiveFormat format, PendingBlobs layers)
    {
        if (format == ArchiveFormat.Auto)
            format = members.ContainsKey(DockerArchive.ManifestFile) ? ArchiveFormat.DockerArchive : ArchiveFormat.OciArchive;
        return format == ArchiveFormat.DockerArchive
            ? new DockerArchiveImporter(store.Content).ImportMembers(members, $"docker-archive {name}", layers)
            : new OciLayoutImporter(store.Content, Platform.Host).ImportMembers(members, $"oci-archive {name}", layers);
    }

    /// <summary>Loads from a stream read once (stdin): a docker-archive unless told otherwise, as docker load.</summary>
    public static IReadOnlyList<string> Load(ImageStore store, Stream input, string name, ArchiveFormat format, Action<string, int, bool>? layerDone = null) =>
        Register(store, Import(store, input, name, format == ArchiveFormat.Auto ? ArchiveFormat.DockerArchive : format), layerDone);

    public static void Save(ImageStore store, IReadOnlyList<string> images, Stream output, ArchiveFormat format)
    {
        var export = new List<ExportImage>();
        foreach (var image in images)
        {
            var record = store.Find(image);
            var named = ImageReference.TryParse(image, out var r) && r!.ToString() == record.Name;
            export.Add(new ExportImage(named ? record.Name : null, ImageStore.Describe(record)));
        }
        if (format == ArchiveFormat.OciArchive)
            new OciLayoutExporter(store.Content, Platform.Host).ExportToArchive(export, output);
        else
            new DockerArchiveExporter(store.Content).ExportToArchive(export, output);
    }

    /// <summary>docker import: a root filesystem tarball as a one-layer image, named if a name is given.</summary>
    public static ResolvedImage ImportRootfs(ImageStore store, Stream tarball, string? name, RootfsImportOptions options)
    {
        var target = new RootfsTarImporter(store.Content).Import(tarball, options);
        var record = store.Register(name is null ? DanglingName(target) : ImageReference.Parse(name).ToString(), target);
        return store.Unpack(record);
    }

    private static IReadOnlyList<ImportedImage> Import(ImageStore store, Stream input, string name, ArchiveFormat format) =>
        format == ArchiveFormat.DockerArchive
            ? new DockerArchiveImporter(store.Content).ImportArchive(input, name)
            : new OciLayoutImporter(store.Content, Platform.Host).ImportArchive(input, name);

    private static List<string> Register(ImageStore store, IReadOnlyList<ImportedImage> imported, Action<string, int, bool>? layerDone, PendingBlobs? layers = null)
    {
        // Unpack before naming: a name only ever points at a complete image, all its blobs stored.
        var unpacked = new List<(ImportedImage Image, ResolvedImage Resolved)>();
        foreach (var image in imported)
        {
            var resolved = ImageResolver.Resolve(store.Content, image.Target);
            var label = image.Name ?? resolved.Id.ToString();
            store.Unpack(resolved, (i, fresh) => layerDone?.Invoke(label, i, fresh), layers);
            unpacked.Add((image, resolved));
        }
        layers?.IngestRemaining(store.Content);
        var loaded = new List<string>();
        foreach (var (image, resolved) in unpacked)
        {
            if (image.Name is { } n)
            {
                var full = ImageReference.Parse(n).ToString();
                store.Register(full, image.Target);
                loaded.Add("Loaded image: " + ImageStore.Familiar(full));
            }
            else
            {
                store.Register(DanglingName(image.Target), image.Target);
                loaded.Add("Loaded image ID: " + resolved.Id);
            }
        }
        return loaded;
    }

    /// <summary>
    /// An unnamed image still needs a record, or garbage collection would take it: it is kept
    /// under its manifest digest, which image ls shows as &lt;none&gt;.
    /// </summary>
    public static string DanglingName(Descriptor target) => "<none>@" + target.Digest;

    private static bool IsPlainTar(FileStream file)
    {
        Span<byte> head = stackalloc byte[8];
        var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return Compression.Detect(head[..n]) == LayerCompression.None;
    }
}
