namespace Berth.Oci.Runtime;

/// <summary>
/// How one mount option maps onto the kernel. For plain options <see cref="Flag"/> is an MS_* value
/// for mount(2); for recursive ones (rro, rnosuid…) it is a MOUNT_ATTR_* value for
/// mount_setattr(2) with AT_RECURSIVE; for propagation ones it is MS_PRIVATE/MS_SLAVE/… (with MS_REC
/// for the r* forms). <see cref="Clear"/> means the option removes the flag instead of setting it.
/// </summary>
public readonly record struct MountOption(ulong Flag, bool Clear, bool IsPropagation, bool IsRecursive);

/// <summary>
/// The mount options the runtime's mount parser understands; any other option is passed to the
/// filesystem as data. This is the list printed as "mountOptions" by features.
/// </summary>
public static class MountOptions
{
    // include/uapi/linux/mount.h
    private const ulong MS_RDONLY = 1;
    private const ulong MS_NOSUID = 2;
    private const ulong MS_NODEV = 4;
    private const ulong MS_NOEXEC = 8;
    private const ulong MS_SYNCHRONOUS = 16;
    private const ulong MS_REMOUNT = 32;
    private const ulong MS_MANDLOCK = 64;
    private const ulong MS_DIRSYNC = 128;
    private const ulong MS_NOSYMFOLLOW = 256;
    private const ulong MS_NOATIME = 1024;
    private const ulong MS_NODIRATIME = 2048;
    private const ulong MS_BIND = 4096;
    private const ulong MS_REC = 16384;
    private const ulong MS_SILENT = 32768;
    private const ulong MS_UNBINDABLE = 1 << 17;
    private const ulong MS_PRIVATE = 1 << 18;
    private const ulong MS_SLAVE = 1 << 19;
    private const ulong MS_SHARED = 1 << 20;
    private const ulong MS_RELATIME = 1 << 21;
    private const ulong MS_I_VERSION = 1 << 23;
    private const ulong MS_STRICTATIME = 1 << 24;
    private const ulong MS_LAZYTIME = 1 << 25;

    private const ulong MOUNT_ATTR_RDONLY = 0x1;
    private const ulong MOUNT_ATTR_NOSUID = 0x2;
    private const ulong MOUNT_ATTR_NODEV = 0x4;
    private const ulong MOUNT_ATTR_NOEXEC = 0x8;
    private const ulong MOUNT_ATTR_RELATIME = 0x0;
    private const ulong MOUNT_ATTR_NOATIME = 0x10;
    private const ulong MOUNT_ATTR_STRICTATIME = 0x20;
    private const ulong MOUNT_ATTR_NODIRATIME = 0x80;
    private const ulong MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

    private static MountOption Set(ulong flag) => new(flag, false, false, false);

    private static MountOption Unset(ulong flag) => new(flag, true, false, false);

    private static MountOption Propagation(ulong flag) => new(flag, false, true, false);

    private static MountOption RecursiveSet(ulong attr) => new(attr, false, false, true);

    private static MountOption RecursiveUnset(ulong attr) => new(attr, true, false, true);

    /// <summary>Option name → its kernel meaning.</summary>
    public static IReadOnlyDictionary<string, MountOption> All { get; } = new Dictionary<string, MountOption>(StringComparer.Ordinal)
    {
        // "acl" is deliberately absent: it cannot be mapped to MS_POSIXACL
        // (https://github.com/opencontainers/runc/issues/3738), so it stays filesystem data.
        ["async"] = Unset(MS_SYNCHRONOUS),
        ["atime"] = Unset(MS_NOATIME),
        ["bind"] = Set(MS_BIND),
        ["defaults"] = Set(0),
        ["dev"] = Unset(MS_NODEV),
        ["diratime"] = Unset(MS_NODIRATIME),
        ["dirsync"] = Set(MS_DIRSYNC),
        ["exec"] = Unset(MS_NOEXEC),
        ["iversion"] = Set(MS_I_VERSION),
        ["lazytime"] = Set(MS_LAZYTIME),
        ["loud"] = Unset(MS_SILENT),
        ["mand"] = Set(MS_MANDLOCK),
        ["noatime"] = Set(MS_NOATIME),
        ["nodev"] = Set(MS_NODEV),
        ["nodiratime"] = Set(MS_NODIRATIME),
        ["noexec"] = Set(MS_NOEXEC),
        ["noiversion"] = Unset(MS_I_VERSION),
        ["nolazytime"] = Unset(MS_LAZYTIME),
        ["nomand"] = Unset(MS_MANDLOCK),
        ["norelatime"] = Unset(MS_RELATIME),
        ["nostrictatime"] = Unset(MS_STRICTATIME),
        ["nosuid"] = Set(MS_NOSUID),
        ["nosymfollow"] = Set(MS_NOSYMFOLLOW),
        ["rbind"] = Set(MS_BIND | MS_REC),
        ["relatime"] = Set(MS_RELATIME),
        ["remount"] = Set(MS_REMOUNT),
        ["ro"] = Set(MS_RDONLY),
        ["rw"] = Unset(MS_RDONLY),
        ["silent"] = Set(MS_SILENT),
        ["strictatime"] = Set(MS_STRICTATIME),
        ["suid"] = Unset(MS_NOSUID),
        ["symfollow"] = Unset(MS_NOSYMFOLLOW),
        ["sync"] = Set(MS_SYNCHRONOUS),

        ["private"] = Propagation(MS_PRIVATE),
        ["rprivate"] = Propagation(MS_PRIVATE | MS_REC),
        ["shared"] = Propagation(MS_SHARED),
        ["rshared"] = Propagation(MS_SHARED | MS_REC),
        ["slave"] = Propagation(MS_SLAVE),
        ["rslave"] = Propagation(MS_SLAVE | MS_REC),
        ["unbindable"] = Propagation(MS_UNBINDABLE),
        ["runbindable"] = Propagation(MS_UNBINDABLE | MS_REC),

        // Recursive variants apply to every submount of a bind mount; they need
        // mount_setattr(2), Linux 5.12 (nosymfollow: 5.14).
        ["rro"] = RecursiveSet(MOUNT_ATTR_RDONLY),
        ["rrw"] = RecursiveUnset(MOUNT_ATTR_RDONLY),
        ["rnosuid"] = RecursiveSet(MOUNT_ATTR_NOSUID),
        ["rsuid"] = RecursiveUnset(MOUNT_ATTR_NOSUID),
        ["rnodev"] = RecursiveSet(MOUNT_ATTR_NODEV),
        ["rdev"] = RecursiveUnset(MOUNT_ATTR_NODEV),
        ["rnoexec"] = RecursiveSet(MOUNT_ATTR_NOEXEC),
        ["rexec"] = RecursiveUnset(MOUNT_ATTR_NOEXEC),
        ["rnodiratime"] = RecursiveSet(MOUNT_ATTR_NODIRATIME),
        ["rdiratime"] = RecursiveUnset(MOUNT_ATTR_NODIRATIME),
        // MOUNT_ATTR_RELATIME is 0: relatime is the default of the MOUNT_ATTR__ATIME field.
        ["rrelatime"] = RecursiveSet(MOUNT_ATTR_RELATIME),
        ["rnorelatime"] = RecursiveUnset(MOUNT_ATTR_RELATIME),
        ["rnoatime"] = RecursiveSet(MOUNT_ATTR_NOATIME),
        ["ratime"] = RecursiveUnset(MOUNT_ATTR_NOATIME),
        ["rstrictatime"] = RecursiveSet(MOUNT_ATTR_STRICTATIME),
        ["rnostrictatime"] = RecursiveUnset(MOUNT_ATTR_STRICTATIME),
        ["rnosymfollow"] = RecursiveSet(MOUNT_ATTR_NOSYMFOLLOW),
        ["rsymfollow"] = RecursiveUnset(MOUNT_ATTR_NOSYMFOLLOW),
    };

    /// <summary>All option names, sorted ordinally as features prints them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Keys.Order(StringComparer.Ordinal)];
}
