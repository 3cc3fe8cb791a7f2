using Berth.Linux.Interop;

namespace Berth.Linux;

/// <summary>What statx(2) says about one file, with the times as .NET values (100 ns precision).</summary>
public readonly record struct FileStatus
{
    internal FileStatus(in Statx buf)
    {
        Mode = buf.Mode;
        Uid = buf.Uid;
        Gid = buf.Gid;
        Nlink = buf.Nlink;
        Ino = buf.Ino;
        Device = ((ulong)buf.DevMajor << 32) | buf.DevMinor;
        Size = (long)buf.Size;
        RdevMajor = buf.RdevMajor;
        RdevMinor = buf.RdevMinor;
        AccessTime = ToTime(buf.Atime);
        ModificationTime = ToTime(buf.Mtime);
    }

    public uint Mode { get; }
    public uint Uid { get; }
    public uint Gid { get; }
    public uint Nlink { get; }
    public ulong Ino { get; }
    public ulong Device { get; }
    public long Size { get; }
    public uint RdevMajor { get; }
    public uint RdevMinor { get; }
    public DateTimeOffset AccessTime { get; }
    public DateTimeOffset ModificationTime { get; }

    public uint Type => Mode & StatMode.S_IFMT;
    public bool IsDirectory => Type == StatMode.S_IFDIR;
    public bool IsSymlink => Type == StatMode.S_IFLNK;
    public bool IsRegular => Type == StatMode.S_IFREG;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public uint Permissions => Mode & 0xFFF;

    private static DateTimeOffset ToTime(StatxTimestamp t) =>
        DateTimeOffset.UnixEpoch.AddTicks((t.Sec * TimeSpan.TicksPerSecond) + (t.Nsec / 100));
}
