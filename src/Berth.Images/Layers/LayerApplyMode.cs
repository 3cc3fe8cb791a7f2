namespace Berth.Images.Layers;

/// <summary>What a layer is applied onto, which decides what its whiteouts become.</summary>
public enum LayerApplyMode
{
    /// <summary>
    /// An empty overlayfs upper directory: <c>.wh.name</c> becomes a 0/0 character device and
    /// <c>.wh..wh..opq</c> the <c>trusted.overlay.opaque=y</c> xattr, so the kernel hides lower layers.
    /// </summary>
    Overlay,

    /// <summary>A full copy of the lower layers (native snapshotter): whiteouts delete what they name.</summary>
    Native,
}
