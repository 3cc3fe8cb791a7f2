using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux.Interop;

namespace Berth.Linux;

/// <summary>
/// A filesystem being set up with the new mount API: fsopen, one fsconfig per parameter, create,
/// fsmount, move_mount. Errors carry the kernel's own explanation, which it logs to the context
/// ("overlay: failed to resolve 'x': -2") instead of squeezing into an errno.
/// </summary>
public sealed unsafe class FsContext : IDisposable
{
    private const uint FSOPEN_CLOEXEC = 0x1;
    private const uint FSCONFIG_SET_FLAG = 0;
    private const uint FSCONFIG_SET_STRING = 1;
    private const uint FSCONFIG_CMD_CREATE = 6;
    private const uint FSMOUNT_CLOEXEC = 0x1;
    private const uint MOVE_MOUNT_F_EMPTY_PATH = 0x4;

    public const uint MOUNT_ATTR_RDONLY = 0x1;
    public const uint MOUNT_ATTR_NOSUID = 0x2;
    public const uint MOUNT_ATTR_NODEV = 0x4;
    public const uint MOUNT_ATTR_NOEXEC = 0x8;

    private readonly UnixFd _fd;
    private readonly string _fsType;

    private FsContext(UnixFd fd, string fsType)
    {
        _fd = fd;
        _fsType = fsType;
    }

    public static FsContext Open(string fsType)
    {
        var fd = Libc.Fsopen(fsType, FSOPEN_CLOEXEC);
        return fd >= 0 ? new FsContext(new UnixFd(fd), fsType) : throw LinuxException.FromLastError("fsopen", fsType);
    }

    /// <summary>A <c>key=value</c> parameter; the kernel copies at most 256 bytes of a value.</summary>
    public void SetString(string key, string value)
    {
        if (Libc.Fsconfig(_fd.Value, FSCONFIG_SET_STRING, key, value, 0) != 0)
            throw Failure($"fsconfig {_fsType} {key}", value);
    }

    /// <summary>A parameter without a value, such as <c>ro</c> or <c>userxattr</c>.</summary>
    public void SetFlag(string key)
    {
        if (Libc.Fsconfig(_fd.Value, FSCONFIG_SET_FLAG, key, null, 0) != 0)
            throw Failure($"fsconfig {_fsType}", key);
    }

    /// <summary>Creates the superblock, then a detached mount of it, and attaches that at <paramref name="target"/>.</summary>
    public void MountAt(string target, uint attrFlags)
    {
        if (Libc.Fsconfig(_fd.Value, FSCONFIG_CMD_CREATE, null, null, 0) != 0)
            throw Failure($"create {_fsType} for", target);
        var mnt = Libc.Fsmount(_fd.Value, FSMOUNT_CLOEXEC, attrFlags);
        if (mnt < 0)
            throw Failure($"fsmount {_fsType} for", target);
        using var mount = new UnixFd(mnt);
        if (Libc.MoveMount(mount.Value, "", AtFlags.AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0)
            throw LinuxException.FromLastError($"move_mount {_fsType} to", target);
    }

    private LinuxException Failure(string operation, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        var log = KernelLog();
        return new LinuxException(errno, operation, log.Length == 0 ? path : $"{path} ({log})");
    }

    /// <summary>Drains the messages the kernel queued on the context (each "e …", "w …" or "i …").</summary>
    private string KernelLog()
    {
        var messages = new List<string>();
        Span<byte> buffer = stackalloc byte[1024];
        while (true)
        {
            var n = Sys.Read(_fd.Value, buffer);
            if (n <= 0)
                break;
            messages.Add(Encoding.UTF8.GetString(buffer[..n]).TrimEnd('\n'));
        }
        return string.Join("; ", messages);
    }

    public void Dispose() => _fd.Dispose();
}
