namespace Berth.Images.Content;

/// <summary>
/// A content store operation failed. The subclasses are the outcomes a caller acts on differently:
/// retry later (<see cref="ContentLockedException"/>), fetch it (<see cref="ContentNotFoundException"/>),
/// or refuse the source (<see cref="ContentVerificationException"/>).
/// </summary>
public class ContentException : Exception
{
    public ContentException(string message)
        : base(message)
    {
    }

    public ContentException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Another writer, in this or another process, holds the ingest; containerd's answer too, and the caller retries.</summary>
public sealed class ContentLockedException(string reference)
    : ContentException($"ref {reference} locked")
{
    public string Reference { get; } = reference;
}

public sealed class ContentNotFoundException(Digest digest)
    : ContentException($"blob {digest}: not found")
{
    public Digest Digest { get; } = digest;
}

/// <summary>Opening a writer for a digest the store already holds: there is nothing to write.</summary>
public sealed class ContentAlreadyExistsException(Digest digest)
    : ContentException($"blob {digest}: already exists")
{
    public Digest Digest { get; } = digest;
}

/// <summary>The bytes written do not match what the descriptor promised; nothing was committed.</summary>
public sealed class ContentVerificationException(string message)
    : ContentException(message)
{
}
