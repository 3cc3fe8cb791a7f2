using Berth.Images.Oci;

namespace Berth.Images.Formats;

/// <summary>
/// An image an archive named: its root descriptor (manifest or index) and the name the archive gave
/// it, as written (a full reference, or a bare tag such as "latest" that the caller completes).
/// </summary>
public sealed record ImportedImage(string? Name, Descriptor Target);
