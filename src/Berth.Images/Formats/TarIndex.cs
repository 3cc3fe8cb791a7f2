using System.Formats.Tar;

namespace Berth.Images.Formats;

/// <summary>
/// The members of a tar archive in a seekable file, found by one pass over the headers (the data is
/// skipped, not read), each openable on its own and at any time: what lets a load read an archive
/// as it would a directory, manifests first and layers side by side.
/// </summary>
internal static class TarIndex
{
    /// <summary>
    /// The archive's members by cleaned name; a later member of the same name replaces an earlier one,
    /// as extracting the tar would. <paramref name="file"/> must stay open while the entries are used.
    /// </summary>
    public static Dictionary<string, ArchiveEntry> Read(FileStream file, string what)
    {
        var members = new Dictionary<string, ArchiveEntry>(StringComparer.Ordinal);
        file.Position = 0;
        var handle = file.SafeFileHandle;
        foreach (var (entry, offset) in Headers(file, what))
        {
            var data = entry.Kind == ArchiveEntryKind.File ? offset : 0;
            var length = entry.Length;
            if (data + length > file.Length)
                throw new ArchiveFormatException($"{what}: {entry.Name}: archive ends before the member's {length} bytes");
            members[entry.Name] = entry with { Open = () => new FileRegionStream(handle, data, length) };
        }
        return members;
    }

    private static IEnumerable<(ArchiveEntry Entry, long DataOffset)> Headers(FileStream file, string what)
    {
        using var reader = new TarReader(file, leaveOpen: true);
        while (true)
        {
            TarEntry? tar;
            try
            {
                tar = reader.GetNextEntry(copyData: false);
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new ArchiveFormatException($"{what}: not a valid tar archive: {ArchiveReader.Lower(e.Message)}", e);
            }
            if (tar is null)
                yield break;
            if (ArchiveReader.ToEntry(tar, what) is { } entry)
                yield return (entry, tar.DataOffset);
        }
    }
}
