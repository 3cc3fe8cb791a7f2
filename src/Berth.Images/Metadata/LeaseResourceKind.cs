namespace Berth.Images.Metadata;

/// <summary>What a lease can hold: a blob, a snapshot (key "snapshotter/key"), or an unfinished ingest.</summary>
public enum LeaseResourceKind
{
    Content,
    Snapshot,
    Ingest,
}
