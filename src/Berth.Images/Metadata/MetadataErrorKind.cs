namespace Berth.Images.Metadata;

/// <summary>
/// What kind of failure a <see cref="MetadataException"/> reports, after containerd's errdefs, so
/// the API layer can map it to a status (404, 409, 412) without parsing messages.
/// </summary>
public enum MetadataErrorKind
{
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    Unsupported,
}
