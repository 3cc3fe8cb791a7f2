using Berth.Images.Content;

namespace Berth.Distribution.Client.Pull;

/// <summary>The stages docker reports per layer, in order.</summary>
public enum LayerPhase
{
    Waiting,
    Downloading,
    Downloaded,
    AlreadyExists,
    Extracting,
    Complete,
}

/// <summary>
/// One step of one layer: the unit the CLI draws a progress bar from, and the event a
/// download-while-unpacking pipeline will hang off (a layer is ready to unpack at <see cref="LayerPhase.Downloaded"/>).
/// </summary>
public sealed record LayerProgress(Digest Digest, LayerPhase Phase, long Current, long Total)
{
    /// <summary>The 12-hex-digit id docker prints for a layer.</summary>
    public string Id => Digest.Short;
}
