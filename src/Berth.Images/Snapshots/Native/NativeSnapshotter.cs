using Berth.Images.Metadata;

namespace Berth.Images.Snapshots.Native;

/// <summary>
/// Snapshots as full copies, for filesystems where overlayfs cannot work (an overlay or an NFS root):
/// <c>&lt;root&gt;/snapshots/native/snapshots/&lt;id&gt;</c> is the snapshot's whole tree, made by
/// copying its parent's, and is handed out as a bind mount. As containerd's native snapshotter.
/// </summary>
public sealed class NativeSnapshotter : DirectorySnapshotter
{
    public const string SnapshotterName = "native";

    public NativeSnapshotter(MetadataStore store, string root)
        : base(store, root, SnapshotterName)
    {
    }

    protected override string DataDir(long id) => DirOf(id);

    public override bool ExtractsWithoutParent => false;

    protected override void Populate(string dir, IReadOnlyList<SnapshotRecord> ancestors)
    {
        if (ancestors.Count > 0)
            TreeCopy.Copy(DirOf(ancestors[0].Id), dir);
        else
            Linux.Sys.Chmod(dir, 0b111_101_101); // 0755, a root directory's usual mode
        Linux.Sys.SyncFilesystem(dir);
    }

    protected override IReadOnlyList<MountSpec> BuildMounts(SnapshotRecord snapshot, IReadOnlyList<SnapshotRecord> ancestors) =>
        [new MountSpec("bind", DirOf(snapshot.Id), [snapshot.Kind == SnapshotKind.View ? "ro" : "rw", "rbind"])];
}
