namespace Berth.Images.Metadata;

/// <summary>
/// A lease: a named hold on content and snapshots that are in use but not yet referenced by an
/// image (a pull in progress, an unpack), so GC leaves them alone until it ends or expires.
/// </summary>
public sealed record LeaseRecord(
    string Id,
    DateTimeOffset Created,
    DateTimeOffset? Expires,
    IReadOnlyDictionary<string, string> Labels);
