namespace Berth.Images.Snapshots;

/// <summary>
/// The disk a snapshot's own layer uses (not its parents'): bytes allocated (st_blocks × 512, each
/// hard-linked inode once) and the number of inodes, as <c>system df</c> reports them.
/// </summary>
public readonly record struct SnapshotUsage(long Size, long Inodes);
