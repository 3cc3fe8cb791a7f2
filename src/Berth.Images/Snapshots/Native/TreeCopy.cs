using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Snapshots.Native;

/// <summary>
/// Copies a directory tree as faithfully as a layer needs: file types (regular, directory, symlink,
/// device, fifo, socket), hard links among the copied files, owners, all mode bits, extended
/// attributes and nanosecond mtimes. Symlinks are copied, never followed, so a hostile link in an
/// image cannot make the copy read or write outside the tree.
/// </summary>
internal sealed class TreeCopy
{
    private readonly Dictionary<(uint, uint, ulong), string> _copiedLinks = [];

    private TreeCopy()
    {
    }

    /// <summary>Copies the contents and attributes of <paramref name="source"/> into the existing directory <paramref name="target"/>.</summary>
    public static void Copy(string source, string target)
    {
        var st = Sys.Lstatx(source);
        if (st.Type != StatMode.S_IFDIR)
            throw new IOException($"copy {source}: not a directory");
        new TreeCopy().CopyDirectory(source, target, st);
    }

    private void CopyDirectory(string source, string target, Statx st)
    {
        Directory.CreateDirectory(target);
        foreach (var child in Directory.EnumerateFileSystemEntries(source))
            CopyEntry(child, Path.Combine(target, Path.GetFileName(child)));
        // Last, because creating the children changed the directory's mtime.
        ApplyAttributes(source, target, st);
    }

    private void CopyEntry(string source, string target)
    {
        var st = Sys.Lstatx(source);
        switch (st.Type)
        {
            case StatMode.S_IFDIR:
                CopyDirectory(source, target, st);
                return;
            case StatMode.S_IFREG:
                var inode = (st.DevMajor, st.DevMinor, st.Ino);
                if (st.Nlink > 1 && _copiedLinks.TryGetValue(inode, out var first))
                {
                    // The copy's other names share the first copy's inode and so its attributes.
                    Sys.Link(first, target);
                    return;
                }
                File.Copy(source, target);
                if (st.Nlink > 1)
                    _copiedLinks[inode] = target;
                break;
            case StatMode.S_IFLNK:
                var linkTarget = new FileInfo(source).LinkTarget
                    ?? throw new IOException($"copy {source}: cannot read the symlink");
                File.CreateSymbolicLink(target, linkTarget);
                break;
            case StatMode.S_IFCHR or StatMode.S_IFBLK or StatMode.S_IFIFO or StatMode.S_IFSOCK:
                Sys.MknodAt(AtFlags.AT_FDCWD, target, st.Mode, st.RdevMajor, st.RdevMinor, target);
                break;
            default:
                throw new IOException($"copy {source}: unknown file type 0x{st.Type:x}");
        }
        ApplyAttributes(source, target, st);
    }

    private static void ApplyAttributes(string source, string target, Statx st)
    {
        var isLink = st.Type == StatMode.S_IFLNK;
        Sys.Lchown(target, st.Uid, st.Gid);
        // After chown, which clears setuid and setgid; symlinks have no mode of their own.
        if (!isLink)
            Sys.Chmod(target, st.Mode);
        // After chown too, which drops security.capability.
        foreach (var name in Sys.ListXattrs(source))
            Sys.SetXattr(target, name, Sys.GetXattr(source, name));
        Sys.Lutimens(target, st.Atime, st.Mtime);
    }
}
