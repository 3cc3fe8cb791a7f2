using Berth.Linux.Interop;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Rootfs;

/// <summary>A config mount's options split as mount(2) wants them: flags, propagation, recursive attributes and filesystem data.</summary>
public sealed record ParsedMount(ulong Flags, ulong ClearedFlags, IReadOnlyList<ulong> Propagation, ulong RecursiveSet, ulong RecursiveClear, string Data)
{
    // include/uapi/linux/mount.h: the access-time mode is an enum in these bits, not a set of flags.
    private const ulong MOUNT_ATTR__ATIME = 0x70;

    public bool IsBind => (Flags & MountFlags.MS_BIND) != 0;

    /// <summary>Splits the options; as in runc, a later option overrides an earlier opposite one ("rw,ro" is read-only).</summary>
    public static ParsedMount Parse(IEnumerable<string>? options)
    {
        ulong flags = 0, cleared = 0, rset = 0, rclear = 0;
        var propagation = new List<ulong>();
        var data = new List<string>();
        foreach (var option in options ?? [])
        {
            if (MountOptions.All.TryGetValue(option, out var o))
            {
                if (o.IsPropagation)
                    propagation.Add(o.Flag);
                else if (o.IsRecursive)
                    (rset, rclear) = Recursive(o, rset, rclear);
                else if (o.Clear)
                {
                    flags &= ~o.Flag;
                    cleared |= o.Flag;
                }
                else
                {
                    flags |= o.Flag;
                    cleared &= ~o.Flag;
                }
            }
            else
                data.Add(option);
        }
        return new ParsedMount(flags, cleared, propagation, rset, rclear, string.Join(',', data));
    }

    private static (ulong Set, ulong Clear) Recursive(MountOption o, ulong set, ulong clear)
    {
        var isAtimeMode = (o.Flag & ~MOUNT_ATTR__ATIME) == 0;
        if (!isAtimeMode)
            return o.Clear ? (set & ~o.Flag, clear | o.Flag) : (set | o.Flag, clear & ~o.Flag);
        // mount_setattr(2): changing the atime mode needs all of MOUNT_ATTR__ATIME in attr_clr (a
        // part of it is EINVAL), and attr_set then holds one mode; MOUNT_ATTR_RELATIME is 0.
        if (!o.Clear)
            return ((set & ~MOUNT_ATTR__ATIME) | o.Flag, clear | MOUNT_ATTR__ATIME);
        if (o.Flag == 0)
            return (set, clear); // rnorelatime: no mode means "not relatime"; runc ignores it too
        // ratime, rnostrictatime: back to the kernel's default (relatime) unless another mode was chosen.
        return ((set & MOUNT_ATTR__ATIME) == o.Flag ? set & ~MOUNT_ATTR__ATIME : set, clear | MOUNT_ATTR__ATIME);
    }
}
