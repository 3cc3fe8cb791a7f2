using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Rootfs;

/// <summary>Device nodes and the standard /dev links, created beneath the root's own /dev directory.</summary>
public sealed class DeviceSetup(RootDir root, bool inUserNamespace)
{
    /// <summary>The devices every container gets, as runc's AllowedDevices.</summary>
    public static IReadOnlyList<LinuxDevice> Defaults { get; } =
    [
        new() { Path = "/dev/null", Type = "c", Major = 1, Minor = 3, FileMode = 0x1B6 },
        new() { Path = "/dev/zero", Type = "c", Major = 1, Minor = 5, FileMode = 0x1B6 },
        new() { Path = "/dev/full", Type = "c", Major = 1, Minor = 7, FileMode = 0x1B6 },
        new() { Path = "/dev/random", Type = "c", Major = 1, Minor = 8, FileMode = 0x1B6 },
        new() { Path = "/dev/urandom", Type = "c", Major = 1, Minor = 9, FileMode = 0x1B6 },
        new() { Path = "/dev/tty", Type = "c", Major = 5, Minor = 0, FileMode = 0x1B6 },
    ];

    private static readonly (string Name, string Target)[] Links =
    [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ];

    /// <summary>Refuses an image whose /dev is a symlink (CVE-2026-41579): nothing is created through it.</summary>
    public void CheckDevIsDirectory()
    {
        var err = Sys.TryOpenInRoot(root.Fd.Value, "dev", OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW, out var fd);
        if (err == Errno.ENOENT)
            return;
        if (err != 0)
            throw new LinuxException(err, "open", "/dev");
        using (fd)
        {
            var st = Sys.Fstat(fd!.Value, "/dev");
            if ((st.Mode & StatMode.S_IFMT) != StatMode.S_IFDIR)
                throw new RuntimeException("rootfs: /dev is not a directory (a symlink or a file in the image); refusing to create devices through it");
        }
    }

    public void CreateDevices(IEnumerable<LinuxDevice> devices)
    {
        foreach (var d in devices)
            CreateDevice(d);
    }

    public void CreateLinks()
    {
        using var dev = root.MkdirAll("/dev");
        foreach (var (name, target) in Links)
            Sys.SymlinkAt(target, dev.Value, name, "/dev/" + name);
        if (File.Exists("/proc/kcore"))
            Sys.SymlinkAt("/proc/kcore", dev.Value, "core", "/dev/core");
        // /dev/ptmx follows the container's own devpts instance (mounted with newinstance).
        Libc.Unlinkat(dev.Value, "ptmx", 0);
        Sys.SymlinkAt("pts/ptmx", dev.Value, "ptmx", "/dev/ptmx");
    }

    private void CreateDevice(LinuxDevice d)
    {
        var rel = SecureJoin.Resolve(root.Path, d.Path);
        var slash = rel.LastIndexOf('/');
        var name = slash < 0 ? rel : rel[(slash + 1)..];
        using var parent = root.MkdirAll(slash < 0 ? "/" : "/" + rel[..slash]);
        if (inUserNamespace)
        {
            BindFromHost(d, parent, name);
            return;
        }
        var type = d.Type switch
        {
            "c" or "u" => StatMode.S_IFCHR,
            "b" => StatMode.S_IFBLK,
            "p" => StatMode.S_IFIFO,
            _ => throw new RuntimeException($"config.json: linux.devices: {d.Path}: unknown device type \"{d.Type}\""),
        };
        var mode = (d.FileMode ?? 0x1B6) & 0xFFF;
        Libc.Unlinkat(parent.Value, name, 0);
        try
        {
            Sys.MknodAt(parent.Value, name, type | mode, (uint)d.Major, (uint)d.Minor, d.Path);
        }
        catch (LinuxException e) when (e.Errno == Errno.EPERM)
        {
            BindFromHost(d, parent, name);
            return;
        }
        if (Libc.Fchownat(parent.Value, name, d.Uid ?? 0, d.Gid ?? 0, AtFlags.AT_SYMLINK_NOFOLLOW) != 0)
            throw LinuxException.FromLastError("chown", d.Path);
        // mknod applied the umask; the config's fileMode is meant exactly.
        using var node = Sys.OpenAt(parent.Value, name, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (Libc.Fchmodat(AtFlags.AT_FDCWD, node.ProcPath, mode, 0) != 0)
            throw LinuxException.FromLastError("chmod", d.Path);
    }

    // mknod is refused in a user namespace; bind the host's node over an empty file instead.
    private static void BindFromHost(LinuxDevice d, UnixFd parent, string name)
    {
        var fd = Libc.Openat(parent.Value, name, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0b110_100_100);
        if (fd < 0)
            throw LinuxException.FromLastError("create", d.Path);
        Libc.Close(fd);
        using var target = Sys.OpenAt(parent.Value, name, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Sys.Mount(d.Path, target.ProcPath, null, MountFlags.MS_BIND, null);
    }
}
