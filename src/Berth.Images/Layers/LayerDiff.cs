using System.Formats.Tar;
using System.Text;
using Berth.Linux;
using Berth.Linux.Interop;
using Microsoft.Win32.SafeHandles;

namespace Berth.Images.Layers;

/// <summary>
/// Writes an overlayfs upper directory as an OCI layer tar (PAX), the reverse of
/// <see cref="LayerApplier"/> in overlay mode: a 0/0 character device becomes <c>.wh.name</c>, a
/// directory with <c>trusted.overlay.opaque=y</c> gets a <c>.wh..wh..opq</c> entry, a second name of
/// an inode becomes a hardlink entry. Names are sorted byte-wise, parents before children, and no
/// header field depends on the clock, so the same tree always gives the same diff_id.
/// </summary>
public static class LayerDiff
{
    private const int DirFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW;

    /// <summary>
    /// Writes the tar of <paramref name="upperDir"/> to <paramref name="output"/>. When
    /// <paramref name="lowerDirs"/> is given, a whiteout that hides nothing in any of them is left out.
    /// </summary>
    public static LayerDiffResult Write(string upperDir, IReadOnlyList<string>? lowerDirs, Stream output)
    {
        using var digesting = new DigestingWriteStream(output);
        var entries = 0;
        using (var writer = new TarWriter(digesting, TarEntryFormat.Pax, leaveOpen: true))
        using (var root = Sys.Open(upperDir, DirFlags))
        {
            var walk = new Walk(writer, lowerDirs, new Dictionary<(ulong, ulong), string>());
            walk.Directory(root, "");
            entries = walk.Entries;
        }
        digesting.Flush();
        return new LayerDiffResult(digesting.GetDigest(), digesting.BytesWritten, entries);
    }

    private sealed class Walk(TarWriter writer, IReadOnlyList<string>? lowerDirs, Dictionary<(ulong, ulong), string> inodes)
    {
        public int Entries { get; private set; }

        public void Directory(UnixFd dir, string rel)
        {
            foreach (var name in ConfinedTree.ListNames(dir))
            {
                var path = EntryPath.Join(rel, name);
                var st = Sys.StatAt(dir.Value, name, path);
                switch (st.Type)
                {
                    case StatMode.S_IFDIR:
                        using (var child = Sys.OpenAt(dir.Value, name, DirFlags))
                        {
                            var xattrs = Xattrs(child, path);
                            Add(Entry(TarEntryType.Directory, path + "/", st, xattrs.Kept));
                            if (xattrs.Opaque)
                                Add(Entry(TarEntryType.RegularFile, EntryPath.Join(path, Whiteout.OpaqueMarker), st, [], mode: 0));
                            Directory(child, path);
                        }
                        break;
                    case StatMode.S_IFREG:
                        RegularFile(dir, name, path, st);
                        break;
                    case StatMode.S_IFLNK:
                        var link = Entry(TarEntryType.SymbolicLink, path, st, []);
                        link.LinkName = Sys.ReadLinkAt(dir.Value, name, path);
                        Add(link);
                        break;
                    case StatMode.S_IFCHR when st.RdevMajor == 0 && st.RdevMinor == 0:
                        if (lowerDirs is null || HiddenInLower(path))
                            Add(Entry(TarEntryType.RegularFile, EntryPath.Join(rel, Whiteout.Prefix + name), st, [], mode: 0));
                        break;
                    case StatMode.S_IFCHR or StatMode.S_IFBLK:
                        var dev = Entry(st.Type == StatMode.S_IFCHR ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, path, st, []);
                        dev.DeviceMajor = (int)st.RdevMajor;
                        dev.DeviceMinor = (int)st.RdevMinor;
                        Add(dev);
                        break;
                    case StatMode.S_IFIFO:
                        Add(Entry(TarEntryType.Fifo, path, st, []));
                        break;
                    default:
                        // Sockets are not content (containerd's TestDiffTar skips them too).
                        break;
                }
            }
        }

        private void RegularFile(UnixFd dir, string name, string path, FileStatus st)
        {
            if (st.Nlink > 1)
            {
                if (inodes.TryGetValue((st.Device, st.Ino), out var first))
                {
                    var hard = Entry(TarEntryType.HardLink, path, st, []);
                    hard.LinkName = first;
                    Add(hard);
                    return;
                }
                inodes[(st.Device, st.Ino)] = path;
            }
            var fd = Sys.OpenAt(dir.Value, name, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW);
            using var handle = new SafeFileHandle(fd.Release(), ownsHandle: true);
            using var content = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            var entry = Entry(TarEntryType.RegularFile, path, st, Xattrs(handle, path).Kept);
            entry.DataStream = content;
            Add(entry);
        }

        private void Add(PaxTarEntry entry)
        {
            writer.WriteEntry(entry);
            Entries++;
        }

        private bool HiddenInLower(string path) =>
            lowerDirs!.Any(lower => Sys.TryLstat(Path.Combine(lower, path), out _));

        private static PaxTarEntry Entry(TarEntryType type, string name, FileStatus st, List<KeyValuePair<string, string>> xattrs, uint? mode = null) =>
            new(type, name, xattrs)
            {
                Mode = (UnixFileMode)(mode ?? st.Permissions),
                Uid = (int)st.Uid,
                Gid = (int)st.Gid,
                ModificationTime = st.ModificationTime,
            };

        private static (List<KeyValuePair<string, string>> Kept, bool Opaque) Xattrs(UnixFd fd, string path)
        {
            var handle = new SafeFileHandle(fd.Value, ownsHandle: false);
            return Xattrs(handle, path);
        }

        private static (List<KeyValuePair<string, string>> Kept, bool Opaque) Xattrs(SafeFileHandle handle, string path)
        {
            var fd = (int)handle.DangerousGetHandle();
            var kept = new List<KeyValuePair<string, string>>();
            var opaque = false;
            var names = Sys.FlistXattr(fd, path);
            Array.Sort(names, StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (name is "trusted.overlay.redirect" or "trusted.overlay.metacopy")
                    throw new InvalidOperationException($"upper {path}: {name} is set; a layer tar cannot express redirect_dir or metacopy");
                if (name == Whiteout.OpaqueXattr)
                {
                    opaque = Sys.FgetXattr(fd, name, path) is [(byte)'y'];
                    continue;
                }
                if (!XattrPolicy.IsAllowed(name) || Sys.FgetXattr(fd, name, path) is not { } value)
                    continue;
                kept.Add(TryUtf8(value, out var text)
                    ? new(XattrPolicy.SchilyPrefix + name, text)
                    : new(XattrPolicy.LibarchivePrefix + Uri.EscapeDataString(name), Convert.ToBase64String(value)));
            }
            return (kept, opaque);
        }

        private static bool TryUtf8(byte[] value, out string text)
        {
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(value);
                return true;
            }
            catch (DecoderFallbackException)
            {
                text = "";
                return false;
            }
        }
    }
}
