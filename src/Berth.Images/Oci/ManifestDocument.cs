namespace Berth.Images.Oci;

/// <summary>A parsed manifest or index: exactly one of <see cref="Manifest"/> and <see cref="Index"/> is set.</summary>
public sealed record ManifestDocument(string MediaType, ImageManifest? Manifest, ImageIndex? Index);
