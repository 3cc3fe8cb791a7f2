using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Layers;

/// <summary>
/// A directory tree that hostile input writes into. Every directory is reached with
/// openat2(RESOLVE_IN_ROOT), so a symlink planted by an earlier entry (or a lower layer) resolves as
/// if the tree were <c>/</c> and never leaves it (IMG-P1, baseline L3-L6); the last component is then
/// acted on by name with *at calls that do not follow symlinks (IMG-P3).
/// </summary>
internal sealed class ConfinedTree : IDisposable
{
    private const int DirFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY;

    private readonly UnixFd _root;

    public ConfinedTree(string rootDir)
    {
        _root = Sys.Open(rootDir, DirFlags | OpenFlags.O_NOFOLLOW);
    }

    public int RootFd => _root.Value;

    /// <summary>
    /// Opens the directory at <paramref name="path"/> (relative, cleaned; "" is the root). With
    /// <paramref name="create"/>, missing directories are made 0755 one level at a time, each inside
    /// the previous one as the kernel resolved it. Without it, null when the path does not lead to a directory.
    /// </summary>
    public UnixFd? OpenDir(string path, bool create)
    {
        var target = path.Length == 0 ? "." : path;
        var err = Sys.TryOpenInRoot(_root.Value, target, DirFlags, out var fd);
        if (err == 0)
            return fd;
        if (!create && err is Errno.ENOENT or Errno.ENOTDIR)
            return null;
        if (!create || err != Errno.ENOENT)
            throw new LinuxException(err, "open", path);

        var current = Sys.OpenInRoot(_root.Value, ".", DirFlags, ".");
        var walked = "";
        foreach (var part in path.Split('/'))
        {
            walked = EntryPath.Join(walked, part);
            err = Sys.TryOpenInRoot(_root.Value, walked, DirFlags, out var next);
            if (err == Errno.ENOENT)
            {
                Sys.MkdirAt(current.Value, part, 0x1ED /* 0755 */, walked);
                next = Sys.OpenInRoot(_root.Value, walked, DirFlags, walked);
            }
            else if (err != 0)
            {
                current.Dispose();
                throw new LinuxException(err, "open", walked);
            }
            current.Dispose();
            current = next!;
        }
        return current;
    }

    /// <summary>Removes <paramref name="name"/> in <paramref name="dirFd"/> and, for a directory, everything below it, never following a symlink.</summary>
    public static void RemoveAll(int dirFd, string name, string displayPath)
    {
        var err = Sys.TryStatAt(dirFd, name, out var st);
        if (err == Errno.ENOENT)
            return;
        if (err != 0)
            throw new LinuxException(err, "stat", displayPath);
        if (st.IsDirectory)
        {
            using (var dir = Sys.OpenAt(dirFd, name, DirFlags | OpenFlags.O_NOFOLLOW))
            {
                foreach (var child in ListNames(dir))
                    RemoveAll(dir.Value, child, EntryPath.Join(displayPath, child));
            }
            Sys.UnlinkAt(dirFd, name, AtFlags.AT_REMOVEDIR, displayPath);
        }
        else
        {
            Sys.UnlinkAt(dirFd, name, 0, displayPath);
        }
    }

    /// <summary>The names in an open directory (through its /proc/self/fd link, so no path is looked up again).</summary>
    public static List<string> ListNames(UnixFd dir)
    {
        var names = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir.ProcPath))
            names.Add(Path.GetFileName(entry));
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public void Dispose() => _root.Dispose();
}
