using System.Globalization;
using Berth.Images.Metadata;

namespace Berth.Images.Snapshots;

/// <summary>
/// What the overlay and native snapshotters share: each snapshot is a directory
/// <c>&lt;root&gt;/snapshots/&lt;name&gt;/snapshots/&lt;id&gt;</c> named by its database id, and the
/// database row is the state of record.
/// </summary>
/// <remarks>
/// Crash safety: a snapshot's directory is filled under a staging name (<c>new-&lt;pid&gt;-&lt;random&gt;</c>)
/// and renamed to its id inside the transaction that records it, so a half-built directory is never
/// under an id. A crash before the commit leaves a directory whose id the database does not know; a
/// crash during a removal (the row goes first) does too. <see cref="Cleanup"/> removes both.
/// </remarks>
public abstract class DirectorySnapshotter : ISnapshotter
{
    private const string StagingPrefix = "new-";
    private const string RemovingPrefix = "rm-";

    protected DirectorySnapshotter(MetadataStore store, string root, string name)
    {
        Store = store;
        Name = name;
        Home = Path.Combine(root, "snapshots", name);
        SnapshotsDir = Path.Combine(Home, "snapshots");
        Directory.CreateDirectory(SnapshotsDir);
        // Layers hold setuid binaries and world-writable dirs of images: no other user may reach them
        // (CVE-2021-41091, moby's data directory).
        Linux.Sys.Chmod(Home, 0b111_000_000);
        Linux.Sys.Chmod(SnapshotsDir, 0b111_000_000);
    }

    public string Name { get; }

    /// <summary><c>&lt;root&gt;/snapshots/&lt;name&gt;</c>.</summary>
    public string Home { get; }

    protected MetadataStore Store { get; }

    protected string SnapshotsDir { get; }

    protected string DirOf(long id) => Path.Combine(SnapshotsDir, id.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Fills a new snapshot's directory and makes what it wrote durable (the row that makes it visible
    /// is committed next); <paramref name="ancestors"/> are committed, nearest first.
    /// </summary>
    protected abstract void Populate(string dir, IReadOnlyList<SnapshotRecord> ancestors);

    /// <summary>The mounts of an active or view snapshot over its <paramref name="ancestors"/>.</summary>
    protected abstract IReadOnlyList<MountSpec> BuildMounts(SnapshotRecord snapshot, IReadOnlyList<SnapshotRecord> ancestors);

    /// <summary>The directory that holds the snapshot's own files, measured by <see cref="Usage"/>.</summary>
    protected abstract string DataDir(long id);

    /// <summary>Runs in the creating transaction once the directory is in place (for extra links, made durable there).</summary>
    protected virtual void Created(long id)
    {
    }

    /// <summary>Runs after a snapshot's row is gone, before its directory is deleted.</summary>
    protected virtual void Removed(long id)
    {
    }

    /// <summary>Removes this snapshotter's own leftovers besides snapshot directories.</summary>
    protected virtual IEnumerable<string> CleanupExtra(IReadOnlySet<long> known) => [];

    public IReadOnlyList<MountSpec> Prepare(string key, string? parent, IReadOnlyDictionary<string, string>? labels = null) =>
        Create(key, parent, SnapshotKind.Active, labels);

    public IReadOnlyList<MountSpec> View(string key, string? parent, IReadOnlyDictionary<string, string>? labels = null) =>
        Create(key, parent, SnapshotKind.View, labels);

    private IReadOnlyList<MountSpec> Create(string key, string? parent, SnapshotKind kind, IReadOnlyDictionary<string, string>? labels)
    {
        // Fail early, and read the chain to fill the directory from, before the (maybe long) copy;
        // the write transaction below checks again, as another process may have changed things.
        var ancestors = Store.View(tx =>
        {
            var p = tx.Snapshots.CheckCanCreate(Name, key, parent);
            return p is null ? [] : Prepend(p, tx.Snapshots.Ancestors(Name, p.Key));
        });
        var staging = Path.Combine(SnapshotsDir, $"{StagingPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            Populate(staging, ancestors);
            return Store.Update(tx =>
            {
                var record = tx.Snapshots.Create(Name, key, parent, kind, labels);
                var chain = tx.Snapshots.Ancestors(Name, key);
                // The directory was filled from the parent read above; if that parent was removed and
                // another committed under its name meanwhile, the contents are of the wrong layer.
                if (chain.Count > 0 && chain[0].Id != ancestors[0].Id)
                    throw new MetadataException(MetadataErrorKind.FailedPrecondition,
                        $"snapshot \"{key}\": parent \"{parent}\" was replaced while the snapshot was prepared");
                var dir = DirOf(record.Id);
                // Only a transaction that never committed (a crash) can have left a directory here:
                // the id was not in the database until this transaction, which holds the write lock.
                if (Directory.Exists(dir))
                    Directory.Delete(dir, recursive: true);
                Directory.Move(staging, dir);
                try
                {
                    Created(record.Id);
                    Linux.Sys.FsyncDirectory(SnapshotsDir);
                    return BuildMounts(record, chain);
                }
                catch
                {
                    // Undone while the write lock is held: once the transaction rolls back, another
                    // process may be given the same id.
                    Removed(record.Id);
                    Directory.Move(dir, staging);
                    throw;
                }
            });
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }
    }

    public abstract bool ExtractsWithoutParent { get; }

    public SnapshotInfo Commit(string name, string key, IReadOnlyDictionary<string, string>? labels = null, string? onto = null)
    {
        if (onto is not null && !ExtractsWithoutParent)
            throw new NotSupportedException($"snapshot \"{key}\": the {Name} snapshotter copies its parent, it cannot be committed onto another snapshot");
        var active = Store.View(tx => tx.Snapshots.GetRequired(Name, key));
        // The layer's files must be on disk before a committed row can point at them.
        Linux.Sys.SyncFilesystem(DataDir(active.Id));
        // Measured once, now: a committed snapshot never changes, so system df can read it from the row.
        var usage = DiskUsage.Measure(DataDir(active.Id));
        var committed = Store.Update(tx =>
        {
            var current = tx.Snapshots.GetRequired(Name, key);
            if (current.Id != active.Id)
                throw new MetadataException(MetadataErrorKind.FailedPrecondition, $"snapshot \"{key}\": was replaced during commit");
            return tx.Snapshots.Commit(Name, name, key, usage.Size, usage.Inodes, labels, onto);
        });
        return ToInfo(committed);
    }

    public IReadOnlyList<MountSpec> Mounts(string key) => Store.View(tx =>
    {
        var record = tx.Snapshots.GetRequired(Name, key);
        if (record.Kind == SnapshotKind.Committed)
            throw new MetadataException(MetadataErrorKind.FailedPrecondition,
                $"snapshot \"{key}\": is committed; prepare or view a snapshot on it to mount it");
        return BuildMounts(record, tx.Snapshots.Ancestors(Name, key));
    });

    public SnapshotInfo Stat(string key) => ToInfo(Store.View(tx => tx.Snapshots.GetRequired(Name, key)));

    public SnapshotInfo SetLabels(string key, IReadOnlyDictionary<string, string> labels) =>
        ToInfo(Store.Update(tx => tx.Snapshots.SetLabels(Name, key, labels)));

    public void Remove(string key)
    {
        var record = Store.Update(tx => tx.Snapshots.Remove(Name, key));
        Removed(record.Id);
        DeleteQuietly(DirOf(record.Id));
    }

    public IReadOnlyList<SnapshotInfo> Walk() => Store.View(tx => tx.Snapshots.List(Name)).Select(ToInfo).ToList();

    public SnapshotUsage Usage(string key)
    {
        var record = Store.View(tx => tx.Snapshots.GetRequired(Name, key));
        if (record is { Kind: SnapshotKind.Committed, Size: { } size, Inodes: { } inodes })
            return new SnapshotUsage(size, inodes);
        return DiskUsage.Measure(DataDir(record.Id));
    }

    public IReadOnlyList<string> Cleanup()
    {
        var doomed = new List<(string Found, string Delete)>();
        var extra = new List<string>();
        // In a write transaction, so no other process can record a snapshot while we decide what is
        // unknown: a directory renamed to its id inside an open transaction is invisible to our read.
        Store.Update(tx =>
        {
            var known = tx.Snapshots.Ids(Name);
            foreach (var dir in Directory.EnumerateDirectories(SnapshotsDir))
            {
                var name = Path.GetFileName(dir);
                if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                {
                    if (known.Contains(id))
                        continue;
                    var removing = Path.Combine(SnapshotsDir, $"{RemovingPrefix}{name}-{Guid.NewGuid():N}");
                    Directory.Move(dir, removing);
                    doomed.Add((dir, removing));
                }
                else if (name.StartsWith(RemovingPrefix, StringComparison.Ordinal) || IsAbandonedStaging(name))
                {
                    doomed.Add((dir, dir));
                }
            }
            extra.AddRange(CleanupExtra(known));
        });
        foreach (var (_, dir) in doomed)
            Directory.Delete(dir, recursive: true);
        return [.. doomed.Select(d => d.Found), .. extra];
    }

    /// <summary>A staging directory whose creating process is gone (a live one may still be filling it).</summary>
    /// <summary>A staging directory (<c>new-&lt;pid&gt;-&lt;random&gt;</c>) whose filling process is gone.</summary>
    internal static bool IsAbandonedStaging(string name)
    {
        if (!name.StartsWith(StagingPrefix, StringComparison.Ordinal))
            return false;
        var rest = name[StagingPrefix.Length..];
        var dash = rest.IndexOf('-');
        return dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && !Directory.Exists($"/proc/{pid}");
    }

    private static List<SnapshotRecord> Prepend(SnapshotRecord first, IReadOnlyList<SnapshotRecord> rest)
    {
        var list = new List<SnapshotRecord>(rest.Count + 1) { first };
        list.AddRange(rest);
        return list;
    }

    private static void DeleteQuietly(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for Cleanup: the directory is unknown to the database, so it is a leftover.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    protected static SnapshotInfo ToInfo(SnapshotRecord r) => new(r.Key, r.Parent, r.Kind, r.Created, r.Updated, r.Labels);
}
