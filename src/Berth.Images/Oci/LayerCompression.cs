namespace Berth.Images.Oci;

public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}
