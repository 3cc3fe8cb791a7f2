namespace Berth.Images.Formats;

internal enum ArchiveEntryKind
{
    File,
    Directory,
    Symlink,

    /// <summary>A tar hard link; its target is a path from the archive root.</summary>
    Hardlink,
    Other,
}

/// <summary>
/// One member of an archive, whether it came from a tar stream or a directory. <see cref="Open"/>
/// is valid only while the enumeration that produced the entry is on it: a tar entry's data is the
/// archive stream itself.
/// </summary>
internal sealed record ArchiveEntry(string Name, ArchiveEntryKind Kind, long Length, string? LinkTarget, Func<Stream> Open);
