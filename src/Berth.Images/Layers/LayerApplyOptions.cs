using Berth.Images.Content;

namespace Berth.Images.Layers;

/// <summary>How to apply one layer, and what to check it against.</summary>
public sealed record LayerApplyOptions
{
    public LayerApplyMode Mode { get; init; } = LayerApplyMode.Overlay;

    /// <summary>The manifest descriptor's digest of the compressed blob; verified when set (IMG-P4).</summary>
    public Digest? CompressedDigest { get; init; }

    /// <summary>
    /// False when whoever supplies the blob verifies <see cref="CompressedDigest"/> itself (a blob
    /// stored as it is read, whose ingest checks digest and size before it is published): the
    /// compressed bytes are then not hashed twice.
    /// </summary>
    public bool HashCompressed { get; init; } = true;

    /// <summary>The image config's diff_id of the uncompressed tar; verified when set (IMG-P4).</summary>
    public Digest? DiffId { get; init; }

    /// <summary>Refuse a layer whose uncompressed stream exceeds this many bytes (IMG L20); null for no limit.</summary>
    public long? MaxUncompressedSize { get; init; }

    /// <summary>
    /// Refuse a layer that expands more than this many times its compressed size (IMG L20); null for no
    /// limit. Checked once <see cref="RatioGraceBytes"/> have been produced, so tiny layers of empty
    /// files are not refused for compressing well.
    /// </summary>
    public double? MaxRatio { get; init; }

    public long RatioGraceBytes { get; init; } = 1 << 20;

    /// <summary>The name errors use for the layer when no digest is given.</summary>
    public string? DisplayName { get; init; }
}
