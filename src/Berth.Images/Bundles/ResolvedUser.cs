namespace Berth.Images.Bundles;

/// <summary>The identity the container process runs as.</summary>
/// <param name="Uid">The user id.</param>
/// <param name="Gid">The primary group id.</param>
/// <param name="AdditionalGids">Supplementary groups; always starts with <paramref name="Gid"/> (SEC-USER-2).</param>
/// <param name="Home">The passwd entry's home, or "/" when there is none (runc's default).</param>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home);
