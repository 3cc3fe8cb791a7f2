namespace Berth.Images.Snapshots;

/// <summary>What <see cref="ISnapshotter.Stat"/> tells about a snapshot, as containerd's snapshots.Info.</summary>
public sealed record SnapshotInfo(
    string Key,
    string? Parent,
    SnapshotKind Kind,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    IReadOnlyDictionary<string, string> Labels);
