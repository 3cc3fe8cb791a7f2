using System.Formats.Tar;
using System.Globalization;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Layers;

/// <summary>
/// Writes tar entries into a <see cref="ConfinedTree"/>, one at a time as the reader yields them.
/// Duplicates are last-wins (baseline L17, containerd's behaviour): whatever was at a name is removed
/// entirely before a non-directory is written there, and a directory over a directory is merged.
/// </summary>
internal sealed class TarEntryExtractor(ConfinedTree tree, LayerApplyMode mode, PaxRecordTap pax, Action<string> warn)
{
    /// <summary>Linux dev_t: 12 bits of major, 20 of minor (include/linux/kdev_t.h).</summary>
    private const int MaxMajor = (1 << 12) - 1;
    private const int MaxMinor = (1 << 20) - 1;

    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly byte[] _copyBuffer = new byte[81920];
    private readonly List<(string Path, DateTimeOffset Atime, DateTimeOffset Mtime)> _dirTimes = [];

    public void Extract(TarEntry entry)
    {
        if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
            return;
        var path = EntryPath.Clean(entry.Name, out var reason)
            ?? throw new EntryRefusedException(reason == "file name too long" ? reason : "invalid entry name");
        var (parent, name) = EntryPath.Split(path);
        if (Whiteout.IsWhiteout(name))
        {
            ApplyWhiteout(parent, name, entry);
            return;
        }
        var (uid, gid) = Owner(entry);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                MakeDirectory(path, parent, name, entry, uid, gid);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                WithFreshName(path, parent, name, (dir, display) => WriteFile(dir, name, display, entry, uid, gid));
                break;
            case TarEntryType.SymbolicLink:
                WithFreshName(path, parent, name, (dir, display) =>
                {
                    Sys.SymlinkAt(entry.LinkName, dir.Value, name, display);
                    SetOwnerModeTimes(dir, name, display, entry, uid, gid, chmod: false);
                });
                break;
            case TarEntryType.HardLink:
                MakeHardLink(path, parent, name, entry.LinkName);
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                MakeNode(path, parent, name, entry, uid, gid);
                break;
            default:
                throw new EntryRefusedException($"unhandled tar header type '{(char)entry.EntryType}'");
        }
    }

    /// <summary>Directory times last, deepest first: creating children changed them (containerd applyNaive does the same).</summary>
    public void Finish()
    {
        for (var i = _dirTimes.Count - 1; i >= 0; i--)
        {
            var (path, atime, mtime) = _dirTimes[i];
            var (parent, name) = EntryPath.Split(path);
            using var dir = tree.OpenDir(parent, create: false);
            if (dir is not null && Sys.TryStatAt(dir.Value, name.Length == 0 ? "." : name, out var st) == 0 && st.IsDirectory)
                Sys.LutimesAt(dir.Value, name.Length == 0 ? "." : name, atime, mtime, Display(path));
        }
    }

    private void MakeDirectory(string path, string parent, string name, TarEntry entry, uint uid, uint gid)
    {
        using var dir = tree.OpenDir(parent, create: true)!;
        var at = name.Length == 0 ? "." : name;
        var err = Sys.TryStatAt(dir.Value, at, out var st);
        if (err == 0 && !st.IsDirectory)
            ConfinedTree.RemoveAll(dir.Value, name, Display(path));
        if (err != 0 || !st.IsDirectory)
            Sys.MkdirAt(dir.Value, name, 0x1C0 /* 0700 */, Display(path));
        SetOwnerModeTimes(dir, at, Display(path), entry, uid, gid, chmod: true, times: false);
        _dirTimes.Add((path, AccessTime(entry), entry.ModificationTime));
        _written.Add(path);
    }

    private void WithFreshName(string path, string parent, string name, Action<UnixFd, string> create)
    {
        if (name.Length == 0)
            throw new EntryRefusedException("invalid entry name");
        using var dir = tree.OpenDir(parent, create: true)!;
        ConfinedTree.RemoveAll(dir.Value, name, Display(path));
        create(dir, Display(path));
        _written.Add(path);
    }

    private void WriteFile(UnixFd dir, string name, string display, TarEntry entry, uint uid, uint gid)
    {
        using (var fd = Sys.OpenAt(dir.Value, name,
                   OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW, 0x180 /* 0600 */))
        {
            if (entry.DataStream is { } data)
            {
                int n;
                var any = false;
                while ((n = data.Read(_copyBuffer)) > 0)
                {
                    Sys.Write(fd.Value, _copyBuffer.AsSpan(0, n), display);
                    any = true;
                }
                // The snapshot commit syncs the file system; writeback started now runs while the
                // next entries are decompressed, instead of all of it at the commit.
                if (any)
                    Sys.StartWriteback(fd.Value);
            }
        }
        SetOwnerModeTimes(dir, name, display, entry, uid, gid, chmod: true);
    }

    private void MakeHardLink(string path, string parent, string name, string linkName)
    {
        var target = EntryPath.Clean(linkName, out _);
        if (string.IsNullOrEmpty(target))
            throw new EntryRefusedException("invalid hardlink target");
        if (target == path)
            return;
        var (targetParent, targetName) = EntryPath.Split(target);
        using var targetDir = tree.OpenDir(targetParent, create: false)
            ?? throw new EntryRefusedException($"hardlink target \"{target}\" does not exist");
        if (Sys.TryStatAt(targetDir.Value, targetName, out _) != 0)
            throw new EntryRefusedException($"hardlink target \"{target}\" does not exist");
        WithFreshName(path, parent, name, (dir, display) => Sys.LinkAt(targetDir.Value, targetName, dir.Value, name, display));
    }

    private void MakeNode(string path, string parent, string name, TarEntry entry, uint uid, uint gid)
    {
        var type = entry.EntryType switch
        {
            TarEntryType.CharacterDevice => StatMode.S_IFCHR,
            TarEntryType.BlockDevice => StatMode.S_IFBLK,
            _ => StatMode.S_IFIFO,
        };
        var (major, minor) = (0, 0);
        if (type != StatMode.S_IFIFO)
        {
            var posix = entry as PosixTarEntry ?? throw new EntryRefusedException("device entry in a v7 tar");
            (major, minor) = (posix.DeviceMajor, posix.DeviceMinor);
            // Truncating an out-of-range number made dockerd 20.10 and containerd 1.6 create 1:3, /dev/null (baseline L14).
            if (major is < 0 or > MaxMajor || minor is < 0 or > MaxMinor)
                throw new EntryRefusedException("device number out of range");
        }
        WithFreshName(path, parent, name, (dir, display) =>
        {
            Sys.MknodAt(dir.Value, name, type | 0x180 /* 0600 */, (uint)major, (uint)minor, display);
            SetOwnerModeTimes(dir, name, display, entry, uid, gid, chmod: true);
        });
    }

    private void ApplyWhiteout(string parent, string name, TarEntry entry)
    {
        if (name == Whiteout.OpaqueMarker)
        {
            ApplyOpaque(parent);
            return;
        }
        if (name.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal))
        {
            warn($"entry \"{EntryPath.Join(parent, name)}\": aufs metadata, skipped");
            return;
        }
        var hidden = name[Whiteout.Prefix.Length..];
        // ".wh..", ".wh..." and ".wh." would name the directory itself or its parent (baseline L10).
        if (hidden is "" or "." or "..")
            throw new EntryRefusedException("invalid whiteout name");
        using var dir = tree.OpenDir(parent, create: mode == LayerApplyMode.Overlay);
        if (dir is null)
            return;
        var display = Display(EntryPath.Join(parent, hidden));
        ConfinedTree.RemoveAll(dir.Value, hidden, display);
        if (mode == LayerApplyMode.Overlay)
        {
            Sys.MknodAt(dir.Value, hidden, StatMode.S_IFCHR, 0, 0, display);
            Sys.LutimesAt(dir.Value, hidden, AccessTime(entry), entry.ModificationTime, display);
        }
        _written.Add(EntryPath.Join(parent, hidden));
    }

    private void ApplyOpaque(string parent)
    {
        using var dir = tree.OpenDir(parent, create: mode == LayerApplyMode.Overlay);
        if (dir is null)
            return;
        if (mode == LayerApplyMode.Overlay)
        {
            Sys.FsetXattr(dir.Value, Whiteout.OpaqueXattr, "y"u8, Display(parent));
            return;
        }
        // Entries of this layer that sort before the marker are its new content, not lower content.
        foreach (var child in ConfinedTree.ListNames(dir))
        {
            var childPath = EntryPath.Join(parent, child);
            if (!_written.Contains(childPath))
                ConfinedTree.RemoveAll(dir.Value, child, Display(childPath));
        }
    }

    /// <summary>Owner, then mode (chown clears setuid and setgid), then xattrs (chown clears security.capability), then times.</summary>
    private void SetOwnerModeTimes(UnixFd dir, string name, string display, TarEntry entry, uint uid, uint gid,
        bool chmod, bool times = true)
    {
        Sys.LchownAt(dir.Value, name, uid, gid, display);
        if (chmod)
            Sys.LchmodAt(dir.Value, name, (uint)entry.Mode & 0xFFF, display);
        if (entry is PaxTarEntry paxEntry && entry.EntryType != TarEntryType.SymbolicLink)
        {
            var xattrs = XattrPolicy.FromPax(paxEntry.ExtendedAttributes, pax.CurrentXattrs, w => warn($"entry \"{display[1..]}\": {w}"));
            if (xattrs.Count > 0)
            {
                using var fd = Sys.OpenAt(dir.Value, name, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
                foreach (var (key, value) in xattrs)
                    Sys.SetXattrByFd(fd, key, value, display);
            }
        }
        if (times)
            Sys.LutimesAt(dir.Value, name, AccessTime(entry), entry.ModificationTime, display);
    }

    private static DateTimeOffset AccessTime(TarEntry entry) => entry switch
    {
        PaxTarEntry p when p.ExtendedAttributes.TryGetValue("atime", out var text) && PaxTime(text) is { } t => t,
        GnuTarEntry g when g.AccessTime != default => g.AccessTime,
        _ => entry.ModificationTime,
    };

    /// <summary>A PAX time record: decimal seconds since the epoch, with an optional fraction.</summary>
    private static DateTimeOffset? PaxTime(string text)
    {
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
            return null;
        var ticks = decimal.Round(seconds * TimeSpan.TicksPerSecond);
        return ticks is > 2_000_000_000_000_000_000 or < -60_000_000_000_000_000 ? null : DateTimeOffset.UnixEpoch.AddTicks((long)ticks);
    }

    /// <summary>
    /// The entry's owner. System.Formats.Tar wraps a PAX uid of 2^32 to 0, so the PAX records are
    /// read as written: an owner that does not fit is refused, never wrapped to root (baseline L22).
    /// </summary>
    private static (uint Uid, uint Gid) Owner(TarEntry entry)
    {
        long uid = entry.Uid, gid = entry.Gid;
        if (entry is PaxTarEntry pax)
        {
            uid = PaxId(pax, "uid", uid);
            gid = PaxId(pax, "gid", gid);
        }
        if (uid is < 0 or > int.MaxValue || gid is < 0 or > int.MaxValue)
            throw new EntryRefusedException("uid or gid out of range");
        return ((uint)uid, (uint)gid);
    }

    private static long PaxId(PaxTarEntry pax, string key, long fallback)
    {
        if (!pax.ExtendedAttributes.TryGetValue(key, out var text))
            return fallback;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;
    }

    private static string Display(string path) => path.Length == 0 ? "/" : "/" + path;
}
