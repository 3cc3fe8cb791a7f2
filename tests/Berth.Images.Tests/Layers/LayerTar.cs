using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Berth.Images.Tests.Layers;

/// <summary>Builds layer tars in memory, hostile ones included, with System.Formats.Tar.</summary>
internal sealed class LayerTar
{
    public static readonly DateTimeOffset Epoch2020 = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly List<TarEntry> _entries = [];

    public LayerTar Dir(string name, UnixFileMode mode = (UnixFileMode)0x1ED, int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode, Uid = uid, Gid = gid, ModificationTime = mtime ?? Epoch2020 });

    public LayerTar File(string name, string content = "", UnixFileMode mode = (UnixFileMode)0x1A4, int uid = 0, int gid = 0,
        DateTimeOffset? mtime = null, IEnumerable<KeyValuePair<string, string>>? pax = null)
    {
        var e = new PaxTarEntry(TarEntryType.RegularFile, name, pax ?? [])
        {
            Mode = mode,
            Uid = uid,
            Gid = gid,
            ModificationTime = mtime ?? Epoch2020,
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
        };
        return Add(e);
    }

    public LayerTar Symlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0x1FF, ModificationTime = Epoch2020 });

    public LayerTar Hardlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, ModificationTime = Epoch2020 });

    public LayerTar Device(string name, TarEntryType type, int major, int minor) =>
        Add(new PaxTarEntry(type, name) { DeviceMajor = major, DeviceMinor = minor, Mode = (UnixFileMode)0x1B0, ModificationTime = Epoch2020 });

    public LayerTar Fifo(string name) =>
        Add(new PaxTarEntry(TarEntryType.Fifo, name) { Mode = (UnixFileMode)0x1A4, ModificationTime = Epoch2020 });

    public LayerTar Add(TarEntry entry)
    {
        _entries.Add(entry);
        return this;
    }

    public byte[] ToTar()
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, leaveOpen: true))
        {
            foreach (var e in _entries)
            {
                e.DataStream?.Seek(0, SeekOrigin.Begin);
                w.WriteEntry(e);
            }
        }
        return ms.ToArray();
    }

    public byte[] ToGzip() => Gzip(ToTar());

    public byte[] ToZstd() => Zstd(ToTar());

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(data);
        return ms.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        var ms = new MemoryStream();
        using (var z = new ZstdSharp.CompressionStream(ms, 3, leaveOpen: true))
            z.Write(data);
        return ms.ToArray();
    }
}
