using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Metadata;
using Berth.Images.Oci;
using Berth.Images.References;
using Berth.Images.Snapshots;
using Berth.Images.Snapshots.Native;
using Berth.Images.Snapshots.Overlay;

namespace Berth.Images.Store;

/// <summary>
/// The image store under a root (default /var/lib/berth): verified blobs, the metadata database
/// and the unpacked layers. Every front door opens its own; the database is the state of record,
/// so a CLI command and a daemon on the same root stay consistent.
/// </summary>
public sealed class ImageStore : IDisposable
{
    public const string DefaultRoot = "/var/lib/berth";

    private ImageStore(string root, MetadataStore metadata, ISnapshotter snapshotter)
    {
        Root = root;
        Metadata = metadata;
        Content = new ContentStore(root);
        Snapshotter = snapshotter;
    }

    public string Root { get; }

    public ContentStore Content { get; }

    public MetadataStore Metadata { get; }

    public ISnapshotter Snapshotter { get; }

    /// <summary>Limits applied to every layer extracted (decompression bombs).</summary>
    public LayerApplyOptions LayerLimits { get; init; } = new() { MaxUncompressedSize = 64L << 30, MaxRatio = 1000 };

    /// <param name="snapshotter">"overlay", "native", or null to use overlay where the kernel has it.</param>
    public static ImageStore Open(string root, string? snapshotter = null)
    {
        root = Path.GetFullPath(root);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var metadata = MetadataStore.Open(root);
        try
        {
            var name = snapshotter ?? (OverlayAvailable() ? OverlaySnapshotter.SnapshotterName : NativeSnapshotter.SnapshotterName);
            ISnapshotter s = name switch
            {
                OverlaySnapshotter.SnapshotterName => new OverlaySnapshotter(metadata, root),
                NativeSnapshotter.SnapshotterName => new NativeSnapshotter(metadata, root),
                _ => throw new ArgumentException($"unknown snapshotter \"{name}\" (overlay, native)", nameof(snapshotter)),
            };
            return new ImageStore(root, metadata, s);
        }
        catch
        {
            metadata.Dispose();
            throw;
        }
    }

    public IReadOnlyList<ImageRecord> List() => Metadata.View(tx => tx.Images.List());

    /// <summary>
    /// Finds an image as docker does: by reference (<c>busybox</c>, <c>busybox:1.36</c>), by image ID
    /// or a unique prefix of it (<c>sha256:ab12…</c> or <c>ab12</c>), or by manifest digest.
    /// </summary>
    /// <exception cref="ImageNotFoundException">No image, or an ambiguous ID prefix.</exception>
    public ImageRecord Find(string nameOrId)
    {
        if (ImageReference.TryParse(nameOrId, out var reference) && Metadata.View(tx => tx.Images.Get(reference!.ToString())) is { } byName)
            return byName;
        var hex = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
        if (hex.Length is >= 4 and <= 64 && hex.All(char.IsAsciiHexDigitLower))
        {
            var matches = List().Where(r => IdOf(r).Encoded.StartsWith(hex, StringComparison.Ordinal) || r.Target.Encoded.StartsWith(hex, StringComparison.Ordinal)).ToList();
            var ids = matches.Select(IdOf).Distinct().ToList();
            if (ids.Count == 1)
                return matches[0];
            if (ids.Count > 1)
                throw new ImageNotFoundException($"image ID prefix \"{nameOrId}\" is ambiguous: it matches {ids.Count} images");
        }
        throw new ImageNotFoundException($"No such image: {nameOrId}");
    }

    public ResolvedImage Resolve(ImageRecord record) => ImageResolver.Resolve(Content, Describe(record));

    /// <summary>The config digest (docker's image ID); the target digest when the documents are unreadable.</summary>
    public Digest IdOf(ImageRecord record)
    {
        try
        {
            return Resolve(record).Id;
        }
        catch (Exception e) when (e is ImageFormatException or ContentException)
        {
            return record.Target;
        }
    }

    /// <summary>The row <c>image ls</c> prints for a record; unreadable documents give a row without details.</summary>
    public ImageSummary Summarize(ImageRecord record)
    {
        try
        {
            var image = Resolve(record);
            long unpacked = 0;
            var complete = true;
            foreach (var chain in image.ChainIds)
            {
                try
                {
                    unpacked += Snapshotter.Usage(chain.ToString()).Size;
                }
                catch (MetadataException e) when (e.Kind == MetadataErrorKind.NotFound)
                {
                    complete = false;
                }
            }
            return new ImageSummary(record.Name, image.Id, record.Target, image.Config.Created, complete ? unpacked : image.ContentSize, complete);
        }
        catch (Exception e) when (e is ImageFormatException or ContentException)
        {
            return new ImageSummary(record.Name, record.Target, record.Target, null, record.Size, false);
        }
    }

    /// <summary>Names an image under another reference (docker tag).</summary>
    public ImageRecord Tag(string source, string target)
    {
        var image = Find(source);
        var name = ImageReference.Parse(target).ToString();
        return Metadata.Update(tx => tx.Images.Put(name, image.Target, image.MediaType, image.Size, image.Labels));
    }

    /// <summary>Registers a name for content already in the store (after load, import or pull).</summary>
    public ImageRecord Register(string name, Descriptor target, IReadOnlyDictionary<string, string>? labels = null) =>
        Metadata.Update(tx => tx.Images.Put(name, target.Digest, target.MediaType, target.Size, labels));

    /// <summary>Unpacks an image's layers (no-op for those already unpacked) and returns it resolved.</summary>
    public ResolvedImage Unpack(ImageRecord record, Action<int, bool>? layerDone = null) =>
        Unpack(Resolve(record), layerDone);

    /// <summary>Unpacks an image not (yet) named: a load unpacks before it registers the name.</summary>
    /// <param name="pending">layers not stored yet, stored as they are extracted (a load that reads each layer once)</param>
    /// <param name="maxParallelLayers">layers extracted at once where the snapshotter allows it; one per core when null</param>
    public ResolvedImage Unpack(ResolvedImage image, Action<int, bool>? layerDone = null, PendingBlobs? pending = null, int? maxParallelLayers = null)
    {
        var unpacker = new LayerUnpacker(Content, Snapshotter, LayerLimits)
        {
            LayerDone = layerDone,
            Pending = pending,
            MaxParallelLayers = maxParallelLayers ?? Environment.ProcessorCount,
        };
        unpacker.Unpack(image);
        return image;
    }

    /// <summary>
    /// docker rmi: removes the name; with an ID (or a name whose image has no other names left) the
    /// image's data becomes unreferenced and the next garbage collection frees it. Returns docker's
    /// "Untagged: …" lines.
    /// </summary>
    /// <exception cref="ImageInUseException">The ID names an image with several tags and force is off.</exception>
    public IReadOnlyList<string> Remove(string nameOrId, bool force)
    {
        var image = Find(nameOrId);
        var byName = ImageReference.TryParse(nameOrId, out var reference) && reference!.ToString() == image.Name;
        var id = IdOf(image);
        var names = byName ? [image] : List().Where(r => IdOf(r) == id).ToList();
        if (!byName && names.Count > 1 && !force)
            throw new ImageInUseException($"conflict: unable to delete {id.Short} (must be forced) - image is referenced in multiple repositories");
        var lines = new List<string>();
        Metadata.Update(tx =>
        {
            foreach (var r in names)
            {
                if (tx.Images.Delete(r.Name))
                    lines.Add("Untagged: " + Familiar(r.Name));
            }
        });
        return lines;
    }

    /// <summary>
    /// image prune -a: drops every image record no bundle or container is built on (an image whose
    /// documents are gone cannot be), dangling ones included; returns docker's "Untagged: …" lines.
    /// The data goes at the next garbage collection.
    /// </summary>
    public IReadOnlyList<string> RemoveUnused()
    {
        var inUse = Snapshotter.Walk().Where(s => s.Kind != SnapshotKind.Committed).Select(s => s.Parent).ToHashSet();
        var unused = List().Where(r => !inUse.Contains(TopSnapshotOf(r))).ToList();
        Metadata.Update(tx =>
        {
            foreach (var r in unused)
                tx.Images.Delete(r.Name);
        });
        return [.. unused.Select(r => "Untagged: " + Familiar(r.Name))];
    }

    private string? TopSnapshotOf(ImageRecord record)
    {
        try
        {
            return Resolve(record).TopSnapshot;
        }
        catch (Exception e) when (e is ImageFormatException or ContentException)
        {
            return null;
        }
    }

    public static string Familiar(string name) =>
        ImageReference.TryParse(name, out var r) ? r!.Familiar : name;

    public static Descriptor Describe(ImageRecord record) =>
        new() { MediaType = record.MediaType, Digest = record.Target, Size = record.Size };

    public void Dispose() => Metadata.Dispose();

    private static bool OverlayAvailable()
    {
        try
        {
            return File.ReadLines("/proc/filesystems").Any(l => l.EndsWith("\toverlay", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }
}
