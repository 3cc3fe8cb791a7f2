using Berth.Linux.Interop;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Rootfs;

/// <summary>A config mount's options split as mount(2) wants them: flags, propagation, recursive attributes and filesystem data.</summary>
public sealed record ParsedMount(ulong Flags, ulong ClearedFlags, IReadOnlyList<ulong> Propagation, ulong RecursiveSet, ulong RecursiveClear, string Data)
{
    public bool IsBind => (Flags & MountFlags.MS_BIND) != 0;

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
                {
                    if (o.Clear)
                        rclear |= o.Flag;
                    else
                        rset |= o.Flag;
                }
                else if (o.Clear)
                {
                    flags &= ~o.Flag;
                    cleared |= o.Flag;
                }
                else
                    flags |= o.Flag;
            }
            else
                data.Add(option);
        }
        return new ParsedMount(flags, cleared, propagation, rset, rclear, string.Join(',', data));
    }
}
