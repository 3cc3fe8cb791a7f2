namespace Berth.Images.Bundles;

/// <summary>
/// An image config, option or rootfs that cannot become a bundle, with the field in the message:
/// <c>image config: WorkingDir: "/proc/self/fd/3" is not allowed (CVE-2024-21626)</c>.
/// </summary>
public sealed class BundleException(string message, Exception? innerException = null) : Exception(message, innerException)
{
}
