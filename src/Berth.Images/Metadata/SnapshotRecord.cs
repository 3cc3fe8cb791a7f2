using Berth.Images.Snapshots;

namespace Berth.Images.Metadata;

/// <summary>
/// A snapshot as the database records it. <see cref="Id"/> names its directory under the
/// snapshotter's root; <see cref="Size"/> and <see cref="Inodes"/> are measured at commit.
/// </summary>
public sealed record SnapshotRecord(
    long Id,
    string Snapshotter,
    string Key,
    string? Parent,
    SnapshotKind Kind,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    IReadOnlyDictionary<string, string> Labels,
    long? Size,
    long? Inodes);
