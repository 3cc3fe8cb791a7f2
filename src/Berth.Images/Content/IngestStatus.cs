namespace Berth.Images.Content;

/// <summary>
/// An unfinished write: <paramref name="Offset"/> bytes of <paramref name="Total"/> (-1 when the
/// writer did not say) are on disk, and a writer reopened with the same ref resumes there.
/// </summary>
public sealed record IngestStatus(
    string Reference,
    long Offset,
    long Total,
    Digest? Expected,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt);
