using System.Formats.Tar;

namespace Berth.Images.Formats;

/// <summary>
/// Walks a tar stream once, in its order, or a directory, as the same sequence of
/// <see cref="ArchiveEntry"/>. Names are cleaned; a name that escapes the archive is refused.
/// </summary>
internal static class ArchiveReader
{
    public static IEnumerable<ArchiveEntry> FromTar(Stream tar, string what)
    {
        using var reader = new TarReader(tar, leaveOpen: true);
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = reader.GetNextEntry(copyData: false);
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new ArchiveFormatException($"{what}: not a valid tar archive: {Lower(e.Message)}", e);
            }
            if (entry is null)
                yield break;
            if (ToEntry(entry, what) is { } member)
                yield return member;
        }
    }

    /// <summary>A tar entry as an archive member whose data is the entry's stream; null for what an archive holds no member as.</summary>
    internal static ArchiveEntry? ToEntry(TarEntry entry, string what)
    {
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
            return null;
        var name = Clean(entry.Name, what);
        if (name.Length == 0)
            return null;
        var kind = entry.EntryType switch
        {
            TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => ArchiveEntryKind.File,
            TarEntryType.Directory => ArchiveEntryKind.Directory,
            TarEntryType.SymbolicLink => ArchiveEntryKind.Symlink,
            TarEntryType.HardLink => ArchiveEntryKind.Hardlink,
            _ => ArchiveEntryKind.Other,
        };
        var data = entry.DataStream;
        return new ArchiveEntry(name, kind, entry.Length, kind is ArchiveEntryKind.Symlink or ArchiveEntryKind.Hardlink ? entry.LinkName : null, () => data ?? Stream.Null);
    }

    public static IEnumerable<ArchiveEntry> FromDirectory(string root, string what)
    {
        if (!Directory.Exists(root))
            throw new ArchiveFormatException($"{what}: not a directory");
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var info in new DirectoryInfo(root).EnumerateFileSystemInfos("*", options))
        {
            var name = Path.GetRelativePath(root, info.FullName).Replace('\\', '/');
            if (info.LinkTarget is { } link)
            {
                yield return new ArchiveEntry(name, ArchiveEntryKind.Symlink, 0, link, () => Stream.Null);
                continue;
            }
            if (info is DirectoryInfo)
            {
                yield return new ArchiveEntry(name, ArchiveEntryKind.Directory, 0, null, () => Stream.Null);
                continue;
            }
            var file = (FileInfo)info;
            yield return new ArchiveEntry(name, ArchiveEntryKind.File, file.Length, null,
                () => new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read));
        }
    }

    /// <summary>A small member (index.json, manifest.json) read whole, refused past <paramref name="limit"/> bytes.</summary>
    public static byte[] ReadSmall(ArchiveEntry entry, int limit, string what)
    {
        if (entry.Length > limit)
            throw new ArchiveFormatException($"{what}: {entry.Name}: size {entry.Length} exceeds {limit >> 20} MiB limit");
        using var stream = entry.Open();
        var bytes = new byte[entry.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static string Clean(string name, string what) =>
        ArchivePath.TryClean(name, out var cleaned) ? cleaned : throw new ArchiveFormatException($"{what}: entry \"{name}\" escapes the archive");

    internal static string Lower(string message) => message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.') : message;
}
