namespace Berth.Images.Layers;

/// <summary>
/// The AUFS whiteout convention that OCI layers use (image-spec layer.md "Whiteouts"), and the
/// overlayfs forms it becomes in an upper directory (Documentation/filesystems/overlayfs.rst).
/// </summary>
internal static class Whiteout
{
    public const string Prefix = ".wh.";
    public const string MetaPrefix = ".wh..wh.";
    public const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>overlayfs: a directory whose lower contents are hidden.</summary>
    public const string OpaqueXattr = "trusted.overlay.opaque";

    public static bool IsWhiteout(string baseName) => baseName.StartsWith(Prefix, StringComparison.Ordinal);
}
