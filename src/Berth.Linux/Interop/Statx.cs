using System.Runtime.InteropServices;

namespace Berth.Linux.Interop;

/// <summary>
/// struct statx (include/uapi/linux/stat.h). Unlike struct stat its layout is the same on every
/// architecture, so it can be declared once here.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct Statx
{
    public const int AT_STATX_SYNC_AS_STAT = 0;
    public const uint STATX_BASIC_STATS = 0x7ff;

    public uint Mask;
    public uint Blksize;
    public ulong Attributes;
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public ushort Mode;
    public ushort Spare0;
    public ulong Ino;
    public ulong Size;
    public ulong Blocks;
    public ulong AttributesMask;
    public StatxTimestamp Atime;
    public StatxTimestamp Btime;
    public StatxTimestamp Ctime;
    public StatxTimestamp Mtime;
    public uint RdevMajor;
    public uint RdevMinor;
    public uint DevMajor;
    public uint DevMinor;

    public readonly uint Type => Mode & StatMode.S_IFMT;
}

[StructLayout(LayoutKind.Sequential)]
public struct StatxTimestamp
{
    public long Sec;
    public uint Nsec;
    public int Reserved;
}
