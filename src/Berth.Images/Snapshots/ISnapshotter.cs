namespace Berth.Images.Snapshots;

/// <summary>
/// Containerd's snapshots.Snapshotter, adapted: a tree of filesystem snapshots where committed
/// snapshots are immutable layers, and active (writable) or view (read-only) snapshots are built on
/// one of them and handed out as mounts. The metadata database is the state of record, so two
/// snapshotters on the same root (a CLI and a daemon) see the same snapshots.
/// </summary>
public interface ISnapshotter
{
    /// <summary>The snapshotter's name in the metadata ("overlay", "native").</summary>
    string Name { get; }

    /// <summary>Creates a writable snapshot on <paramref name="parent"/> (committed, or null for an empty one).</summary>
    IReadOnlyList<MountSpec> Prepare(string key, string? parent, IReadOnlyDictionary<string, string>? labels = null);

    /// <summary>Creates a read-only snapshot of <paramref name="parent"/>.</summary>
    IReadOnlyList<MountSpec> View(string key, string? parent, IReadOnlyDictionary<string, string>? labels = null);

    /// <summary>
    /// Whether a layer's snapshot holds only that layer's own changes, so it can be extracted into a
    /// snapshot prepared without a parent and committed onto the parent afterwards (overlay: yes;
    /// native, a full copy of the parent: no). Layers of one image then unpack side by side.
    /// </summary>
    bool ExtractsWithoutParent { get; }

    /// <summary>Freezes the active snapshot <paramref name="key"/> as the committed <paramref name="name"/> (unmount it first).</summary>
    /// <param name="onto">
    /// A committed snapshot to make the parent of a snapshot prepared without one; only where
    /// <see cref="ExtractsWithoutParent"/>.
    /// </param>
    SnapshotInfo Commit(string name, string key, IReadOnlyDictionary<string, string>? labels = null, string? onto = null);

    /// <summary>The mounts of an active or view snapshot, again.</summary>
    IReadOnlyList<MountSpec> Mounts(string key);

    SnapshotInfo Stat(string key);

    /// <summary>Replaces the labels of a snapshot of any kind (containerd's Update of the labels field).</summary>
    SnapshotInfo SetLabels(string key, IReadOnlyDictionary<string, string> labels);

    /// <summary>Removes a snapshot and its directory; refused while other snapshots are built on it.</summary>
    void Remove(string key);

    /// <summary>Every snapshot of this snapshotter, oldest first.</summary>
    IReadOnlyList<SnapshotInfo> Walk();

    SnapshotUsage Usage(string key);

    /// <summary>Removes directories the database does not know (leftovers of a crash); returns their paths.</summary>
    IReadOnlyList<string> Cleanup();
}
