using Berth.Images.Content;

namespace Berth.Distribution.Client.Push;

/// <summary>The outcomes docker prints per layer of a push.</summary>
public enum PushPhase
{
    Preparing,
    Pushing,
    Pushed,
    AlreadyExists,
    Mounted,
}

/// <param name="From">the repository a mounted blob came from</param>
public sealed record PushProgress(Digest Digest, PushPhase Phase, long Current, long Total, string? From = null)
{
    public string Id => Digest.Short;
}
