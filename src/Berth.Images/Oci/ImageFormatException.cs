namespace Berth.Images.Oci;

/// <summary>
/// A manifest, index or config that Berth refuses, with the blob and the JSON path in the message:
/// <c>manifest sha256:…: layers[2].digest: unsupported algorithm "md5"</c>.
/// </summary>
public sealed class ImageFormatException(string message) : Exception(message)
{
}
