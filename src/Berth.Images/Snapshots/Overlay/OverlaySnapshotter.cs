using System.Globalization;
using Berth.Images.Metadata;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Snapshots.Overlay;

/// <summary>
/// Snapshots as overlayfs layers, laid out as docker's overlay2 and containerd's overlayfs:
/// <c>&lt;root&gt;/snapshots/overlay/snapshots/&lt;id&gt;/{fs,work}</c>. A committed snapshot's
/// <c>fs</c> is a read-only lower layer shared by everything built on it; an active snapshot over a
/// chain is an overlay whose upper is its own <c>fs</c>.
/// </summary>
/// <remarks>
/// Layers are named in mount options by short links, <c>l/&lt;id in base 36&gt;</c> →
/// <c>../snapshots/&lt;id&gt;/fs</c>, as overlay2 does, so that more of them fit in the one page of
/// data mount(2) accepts. Docker goes further with lowerdir paths relative to the <c>l</c> directory,
/// which needs a chdir before mount(2); in .NET the working directory is shared by every thread, so
/// that would race with any relative path used elsewhere in the process. A chain too long for the
/// page is instead mounted with the new mount API, which appends one layer at a time (fsconfig
/// <c>lowerdir+</c>, Linux 6.8; see <see cref="MountSpec"/>). Overlayfs itself stops at 500 layers.
/// </remarks>
public sealed class OverlaySnapshotter : DirectorySnapshotter
{
    public const string SnapshotterName = "overlay";

    private readonly string _links;
    private readonly bool _indexOff;

    public OverlaySnapshotter(MetadataStore store, string root)
        : base(store, root, SnapshotterName)
    {
        _links = Path.Combine(Home, "l");
        Directory.CreateDirectory(_links);
        // Where the kernel has the index feature, turn it off as containerd does: with it on, a lower
        // layer shared by two overlays with different uppers can make the second mount fail (EBUSY).
        _indexOff = File.Exists("/sys/module/overlay/parameters/index");
    }

    /// <summary>The short link that names layer <paramref name="id"/> in lowerdir.</summary>
    public string LinkOf(long id) => Path.Combine(_links, ToBase36(id));

    /// <summary>A layer's fs is its diff alone; whiteouts are extracted as overlay's own devices, never applied to a lower.</summary>
    public override bool ExtractsWithoutParent => true;

    protected override string DataDir(long id) => Path.Combine(DirOf(id), "fs");

    protected override void Populate(string dir, IReadOnlyList<SnapshotRecord> ancestors)
    {
        Directory.CreateDirectory(Path.Combine(dir, "fs"));
        // The work dir holds overlayfs's in-flight copy-ups and must be on the upper's filesystem.
        Directory.CreateDirectory(Path.Combine(dir, "work"));
        Sys.Chmod(Path.Combine(dir, "fs"), 0b111_101_101); // 0755
        Sys.Chmod(Path.Combine(dir, "work"), 0b111_000_000); // 0700
        Sys.FsyncDirectory(dir);
    }

    protected override void Created(long id)
    {
        var link = LinkOf(id);
        // A leftover of a transaction that never committed, as for the directory itself.
        if (Path.Exists(link))
            File.Delete(link);
        File.CreateSymbolicLink(link, $"../snapshots/{id.ToString(CultureInfo.InvariantCulture)}/fs");
        Sys.FsyncDirectory(_links);
    }

    protected override void Removed(long id)
    {
        var link = LinkOf(id);
        if (Sys.TryLstat(link, out _))
            File.Delete(link);
    }

    protected override IEnumerable<string> CleanupExtra(IReadOnlySet<long> known)
    {
        var removed = new List<string>();
        foreach (var link in Directory.EnumerateFileSystemEntries(_links))
        {
            if (TryFromBase36(Path.GetFileName(link), out var id) && !known.Contains(id))
            {
                File.Delete(link);
                removed.Add(link);
            }
        }
        return removed;
    }

    protected override IReadOnlyList<MountSpec> BuildMounts(SnapshotRecord snapshot, IReadOnlyList<SnapshotRecord> ancestors)
    {
        var readOnly = snapshot.Kind == SnapshotKind.View;
        if (ancestors.Count == 0)
            return [Bind(DataDir(snapshot.Id), readOnly)];
        // Overlayfs needs an upper or two lowers; one read-only layer is simply a read-only bind.
        if (readOnly && ancestors.Count == 1)
            return [Bind(DataDir(ancestors[0].Id), readOnly: true)];
        var lowerdir = "lowerdir=" + string.Join(':', ancestors.Select(a => LinkOf(a.Id)));
        var options = new List<string>();
        if (!readOnly)
        {
            if (_indexOff)
                options.Add("index=off");
            options.Add("workdir=" + Path.Combine(DirOf(snapshot.Id), "work"));
            options.Add("upperdir=" + DataDir(snapshot.Id));
        }
        options.Add(lowerdir);
        return [new MountSpec("overlay", "overlay", options)];
    }

    private static MountSpec Bind(string source, bool readOnly) =>
        new("bind", source, [readOnly ? "ro" : "rw", "rbind"]);

    private static string ToBase36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        if (value == 0)
            return "0";
        var chars = new Stack<char>();
        for (; value > 0; value /= 36)
            chars.Push(digits[(int)(value % 36)]);
        return new string([.. chars]);
    }

    /// <summary>The snapshot id a short link in <c>l/</c> is named for (base 36); false for any other name.</summary>
    internal static bool TryFromBase36(string text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 12)
            return false;
        foreach (var c in text)
        {
            var digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'z' ? c - 'a' + 10 : -1;
            if (digit < 0)
                return false;
            value = value * 36 + digit;
        }
        return true;
    }
}
