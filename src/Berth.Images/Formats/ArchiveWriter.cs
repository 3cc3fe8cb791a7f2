using System.Formats.Tar;

namespace Berth.Images.Formats;

/// <summary>
/// Writes an archive's members, either as a tar stream or as files under a directory, so that an
/// exporter has one code path for both. Tar members are reproducible: ustar headers (PAX only for a
/// name too long for ustar), mode 0644 for files and 0755 for directories, owner 0:0, mtime 0.
/// </summary>
internal sealed class ArchiveWriter : IDisposable
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirectoryMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly TarWriter? _tar;
    private readonly string? _root;
    private readonly HashSet<string> _directories = [];

    private ArchiveWriter(TarWriter? tar, string? root)
    {
        _tar = tar;
        _root = root;
    }

    public static ArchiveWriter ToTar(Stream stream) => new(new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true), null);

    public static ArchiveWriter ToDirectory(string root)
    {
        Directory.CreateDirectory(root);
        return new ArchiveWriter(null, Path.GetFullPath(root));
    }

    /// <summary>Creates each parent directory of <paramref name="name"/> once, then the file with <paramref name="length"/> bytes from <paramref name="data"/>.</summary>
    public void AddFile(string name, Stream data, long length)
    {
        var slash = name.LastIndexOf('/');
        if (slash > 0)
            AddDirectory(name[..slash]);
        if (_tar is not null)
        {
            var entry = NewEntry(TarEntryType.RegularFile, name, FileMode);
            entry.DataStream = new KnownLengthStream(data, length);
            _tar.WriteEntry(entry);
            return;
        }
        var path = Path.Combine(_root!, name);
        using (var file = new FileStream(path, System.IO.FileMode.Create, FileAccess.Write, FileShare.None))
        {
            data.CopyTo(file);
            if (file.Length != length)
                throw new IOException($"{path}: wrote {file.Length} bytes, expected {length}");
            file.Flush(flushToDisk: true);
        }
        File.SetUnixFileMode(path, FileMode);
    }

    public void AddFile(string name, byte[] data) => AddFile(name, new MemoryStream(data), data.Length);

    public void Dispose() => _tar?.Dispose();

    private void AddDirectory(string name)
    {
        var slash = name.LastIndexOf('/');
        if (slash > 0)
            AddDirectory(name[..slash]);
        if (!_directories.Add(name))
            return;
        if (_tar is not null)
            _tar.WriteEntry(NewEntry(TarEntryType.Directory, name + "/", DirectoryMode));
        else
            Directory.CreateDirectory(Path.Combine(_root!, name));
    }

    private static TarEntry NewEntry(TarEntryType type, string name, UnixFileMode mode)
    {
        // ustar holds a name of up to 100 bytes, or 255 split at a slash; PaxTarEntry would add
        // atime and ctime records that make the archive differ from one run to the next.
        TarEntry entry = name.Length <= 100 ? new UstarTarEntry(type, name) : new PaxTarEntry(type, name);
        entry.Mode = mode;
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        entry.Uid = 0;
        entry.Gid = 0;
        if (entry is PosixTarEntry posix)
        {
            posix.UserName = "";
            posix.GroupName = "";
        }
        return entry;
    }
}
