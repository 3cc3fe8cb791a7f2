namespace Berth.Images.Snapshots;

/// <summary>The state of a snapshot, as containerd's snapshots.Kind.</summary>
public enum SnapshotKind
{
    /// <summary>Writable, mountable: a container's rootfs or a layer being unpacked.</summary>
    Active,

    /// <summary>Read-only, mountable: to inspect an image's filesystem.</summary>
    View,

    /// <summary>Immutable, not mountable by itself: a layer, the parent of actives and views.</summary>
    Committed,
}
