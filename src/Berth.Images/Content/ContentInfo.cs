namespace Berth.Images.Content;

/// <summary>What the store knows of a committed blob: its address, size and when it was committed.</summary>
public sealed record ContentInfo(Digest Digest, long Size, DateTimeOffset CommittedAt);
