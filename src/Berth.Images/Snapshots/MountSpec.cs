using System.Text;
using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;

namespace Berth.Images.Snapshots;

/// <summary>
/// One mount a snapshot needs, as containerd's mount.Mount: a filesystem type, a source, and options
/// in fstab form (flags such as <c>ro</c> and <c>rbind</c>, and filesystem data such as
/// <c>lowerdir=…</c>). Plain data, so it can also travel to a runtime or shim and be mounted there.
/// </summary>
public sealed record MountSpec(string Type, string Source, IReadOnlyList<string> Options)
{
    /// <summary>Mounts each of <paramref name="mounts"/> on <paramref name="target"/>, in order.</summary>
    public static void MountAll(IReadOnlyList<MountSpec> mounts, string target)
    {
        foreach (var mount in mounts)
            mount.Mount(target);
    }

    /// <summary>Unmounts everything stacked on <paramref name="target"/>; a target with nothing mounted is left alone.</summary>
    public static void Unmount(string target)
    {
        while (true)
        {
            try
            {
                Sys.Umount(target, 0);
            }
            catch (LinuxException e) when (e.Errno == Errno.EINVAL)
            {
                return;
            }
        }
    }

    public void Mount(string target)
    {
        ulong flags = 0;
        var data = new List<string>();
        foreach (var option in Options)
        {
            if (MountOptions.All.TryGetValue(option, out var known) && !known.IsPropagation && !known.IsRecursive)
                flags = known.Clear ? flags & ~known.Flag : flags | known.Flag;
            else if (MountOptions.All.ContainsKey(option))
                throw new NotSupportedException($"mount {Source} to {target}: option \"{option}\" is not supported here");
            else
                data.Add(option);
        }
        if (Type == "bind" || (flags & MountFlags.MS_BIND) != 0)
        {
            MountBind(target, flags);
            return;
        }
        var joined = string.Join(',', data);
        // mount(2) copies at most one page of data; past that only the new mount API, which takes
        // the parameters one by one, can express the mount (an overlay of a long chain of layers).
        if (Encoding.UTF8.GetByteCount(joined) + 1 > Environment.SystemPageSize)
            MountWithContext(target, flags, data);
        else
            Sys.Mount(Source, target, Type, flags, joined);
    }

    private void MountBind(string target, ulong flags)
    {
        Sys.Mount(Source, target, null, MountFlags.MS_BIND | (flags & MountFlags.MS_REC), null);
        // A bind mount ignores every flag but MS_REC on creation: ro, nosuid… need a remount.
        var remount = flags & ~(MountFlags.MS_BIND | MountFlags.MS_REC | MountFlags.MS_REMOUNT);
        if (remount != 0)
            Sys.Mount(null, target, null, MountFlags.MS_REMOUNT | MountFlags.MS_BIND | remount, null);
    }

    private void MountWithContext(string target, ulong flags, List<string> data)
    {
        using var fs = FsContext.Open(Type);
        fs.SetString("source", Source);
        foreach (var option in data)
        {
            var eq = option.IndexOf('=');
            if (eq < 0)
            {
                fs.SetFlag(option);
                continue;
            }
            var key = option[..eq];
            var value = option[(eq + 1)..];
            if (Type == "overlay" && key == "lowerdir")
            {
                // lowerdir+ (Linux 6.8) appends one layer per call, topmost first as in lowerdir=.
                foreach (var layer in SplitLayers(value))
                    fs.SetString("lowerdir+", layer);
            }
            else
            {
                fs.SetString(key, value);
            }
        }
        uint attrs = 0;
        if ((flags & MountFlags.MS_RDONLY) != 0)
            attrs |= FsContext.MOUNT_ATTR_RDONLY;
        if ((flags & MountFlags.MS_NOSUID) != 0)
            attrs |= FsContext.MOUNT_ATTR_NOSUID;
        if ((flags & MountFlags.MS_NODEV) != 0)
            attrs |= FsContext.MOUNT_ATTR_NODEV;
        if ((flags & MountFlags.MS_NOEXEC) != 0)
            attrs |= FsContext.MOUNT_ATTR_NOEXEC;
        fs.MountAt(target, attrs);
    }

    /// <summary>Splits an overlay layer list on ':' except where overlayfs escapes it as "\:".</summary>
    private static IEnumerable<string> SplitLayers(string value)
    {
        var current = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                current.Append(value[++i]);
            }
            else if (value[i] == ':')
            {
                yield return current.ToString();
                current.Clear();
            }
            else
            {
                current.Append(value[i]);
            }
        }
        yield return current.ToString();
    }
}
