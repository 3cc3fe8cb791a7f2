using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Rootfs;

/// <summary>Reading a mount's flags and setting recursive attributes (mount_setattr, Linux 5.12).</summary>
public static class MountAttributes
{
    public static ulong CurrentFlags(UnixFd target, string dest)
    {
        var flags = BerthNative.MountFlagsOf(target.Value);
        return flags >= 0 ? (ulong)flags : throw LinuxException.FromLastError("statvfs", dest);
    }

    public static void SetRecursive(UnixFd target, string dest, ulong set, ulong clear)
    {
        if (BerthNative.MountSetattr(target.Value, set, clear) != 0)
            throw LinuxException.FromLastError("mount_setattr", dest);
    }
}
