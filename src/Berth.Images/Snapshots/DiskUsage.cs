using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Snapshots;

/// <summary>Measures a directory tree as containerd's fs.DiskUsage does: allocated blocks, inodes counted once.</summary>
internal static class DiskUsage
{
    public static SnapshotUsage Measure(string root)
    {
        var seen = new HashSet<(uint, uint, ulong)>();
        long size = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var path = pending.Pop();
            var st = Sys.Lstatx(path);
            if (seen.Add((st.DevMajor, st.DevMinor, st.Ino)))
                size += (long)st.Blocks * 512;
            // Never follow a symlink: the tree is container content and may point anywhere.
            if (st.Type == StatMode.S_IFDIR)
            {
                foreach (var child in Directory.EnumerateFileSystemEntries(path))
                    pending.Push(child);
            }
        }
        return new SnapshotUsage(size, seen.Count);
    }
}
