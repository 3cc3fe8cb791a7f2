using Berth.Images.Content;

namespace Berth.Images.Layers;

/// <summary>The tar a <see cref="LayerDiff"/> wrote: its diff_id (sha256 of the uncompressed tar) and size.</summary>
public sealed record LayerDiffResult(Digest DiffId, long Size, int Entries);
