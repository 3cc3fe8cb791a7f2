namespace Berth.Images.Content;

public enum CommitResult
{
    /// <summary>The blob was verified and renamed into place by this commit.</summary>
    Written,

    /// <summary>The store already held the blob (another writer got there first); the ingest was discarded.</summary>
    AlreadyExists,
}
