using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>An image to write into an archive: its full name (<c>docker.io/library/busybox:latest</c>), or null, and its root descriptor.</summary>
public sealed record ExportImage(string? Name, Descriptor Target);
