using System.Security.Cryptography;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Layers;

/// <summary>Describes every file under a root (type, mode, owner, mtime, content, target, device, xattrs, hardlink group), for comparing trees.</summary>
internal static class TreeSnapshot
{
    public static SortedDictionary<string, string> Take(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var firstByInode = new Dictionary<ulong, string>();
        foreach (var full in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(root, full);
            var st = Sys.StatAt(AtFlags.AT_FDCWD, full, full);
            var text = $"type={st.Type:x} perm={Convert.ToString(st.Permissions, 8)} owner={st.Uid}:{st.Gid}";
            text += $" mtime={st.ModificationTime.ToUnixTimeMilliseconds()}";
            if (st.IsRegular)
            {
                text += $" sha={Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full)))}";
                if (firstByInode.TryGetValue(st.Ino, out var first))
                    text += $" hardlink-of={first}";
                else
                    firstByInode[st.Ino] = rel;
            }
            if (st.IsSymlink)
                text += $" target={new FileInfo(full).LinkTarget}";
            if (st.Type is StatMode.S_IFCHR or StatMode.S_IFBLK)
                text += $" dev={st.RdevMajor}:{st.RdevMinor}";
            if (st.IsRegular || st.IsDirectory)
            {
                using var fd = Sys.Open(full, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW);
                foreach (var name in Sys.FlistXattr(fd.Value, full).Order(StringComparer.Ordinal))
                    text += $" xattr:{name}={Convert.ToHexStringLower(Sys.FgetXattr(fd.Value, name, full)!)}";
            }
            result[rel] = text;
        }
        return result;
    }
}
