namespace Berth.Images.Formats;

/// <summary>
/// An archive Berth refuses to import, with the archive and the entry in the message:
/// <c>docker-archive busybox.tar: manifest.json: [0].Layers[0]: "../x.tar" escapes the archive</c>.
/// </summary>
public sealed class ArchiveFormatException : Exception
{
    public ArchiveFormatException(string message)
        : base(message)
    {
    }

    public ArchiveFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
