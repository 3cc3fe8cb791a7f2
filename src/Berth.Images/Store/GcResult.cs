namespace Berth.Images.Store;

/// <summary>What a collection removed and the bytes it gave back.</summary>
public sealed record GcResult(int Blobs, int Snapshots, long BytesFreed);
