using Berth.Images.Content;

namespace Berth.Images.Layers;

/// <summary>What applying a layer produced and measured.</summary>
public sealed record LayerApplyResult(
    Digest DiffId,
    long UncompressedSize,
    Digest CompressedDigest,
    long CompressedSize,
    int Entries,
    IReadOnlyList<string> Warnings);
