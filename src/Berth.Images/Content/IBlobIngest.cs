namespace Berth.Images.Content;

/// <summary>
/// A stream over a blob that stores the blob in the content store as it is read (an archive member
/// teed into an ingest, a registry response written into one). Extraction reads it once; the blob
/// becomes visible only by <see cref="Commit"/>.
/// </summary>
public interface IBlobIngest
{
    /// <summary>Reads whatever the consumer left unread, then verifies size and digest and publishes the blob.</summary>
    CommitResult Commit();
}
