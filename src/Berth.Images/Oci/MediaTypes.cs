namespace Berth.Images.Oci;

/// <summary>
/// The media types of the OCI image spec (media-types.md) and of Docker's image manifest v2
/// schema 2, which registries still serve for most images.
/// </summary>
public static class MediaTypes
{
    public const string OciDescriptor = "application/vnd.oci.descriptor.v1+json";
    public const string OciLayoutHeader = "application/vnd.oci.layout.header.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string OciLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciLayerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    /// <summary>Not in Docker's spec; containerd and buildkit write it for zstd layers in Docker manifests.</summary>
    public const string DockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd";
    public const string DockerLayerForeign = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>Schema 1, recognised only so that it can be refused by name.</summary>
    public const string DockerManifestSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerManifestSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsConfig(string? mediaType) => mediaType is OciConfig or DockerConfig;

    public static bool IsSchema1(string? mediaType) => mediaType is DockerManifestSchema1 or DockerManifestSchema1Signed;

    public static bool IsLayer(string? mediaType) => LayerCompressionOf(mediaType) is not null;

    /// <summary>Layers a registry may decline to serve (their descriptors carry <c>urls</c>).</summary>
    public static bool IsNondistributable(string? mediaType) =>
        mediaType is OciLayerNondistributable or OciLayerNondistributableGzip or OciLayerNondistributableZstd or DockerLayerForeign;

    /// <summary>How a layer blob is compressed, or null when the media type is not a layer Berth can unpack.</summary>
    public static LayerCompression? LayerCompressionOf(string? mediaType) => mediaType switch
    {
        OciLayer or OciLayerNondistributable or DockerLayer => LayerCompression.None,
        OciLayerGzip or OciLayerNondistributableGzip or DockerLayerGzip or DockerLayerForeign => LayerCompression.Gzip,
        OciLayerZstd or OciLayerNondistributableZstd or DockerLayerZstd => LayerCompression.Zstd,
        _ => null,
    };
}
