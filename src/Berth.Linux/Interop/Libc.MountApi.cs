using System.Runtime.InteropServices;

namespace Berth.Linux.Interop;

/// <summary>
/// The new mount API (Linux 5.2, glibc 2.36): a filesystem context is configured one parameter at a
/// time, so no single option string has to fit the one page mount(2) accepts.
/// </summary>
public static unsafe partial class Libc
{
    [LibraryImport(Lib, EntryPoint = "fsopen", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Fsopen(string fsname, uint flags);

    [LibraryImport(Lib, EntryPoint = "fsconfig", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Fsconfig(int fd, uint cmd, string? key, string? value, int aux);

    [LibraryImport(Lib, EntryPoint = "fsmount", SetLastError = true)]
    public static partial int Fsmount(int fd, uint flags, uint attrFlags);

    [LibraryImport(Lib, EntryPoint = "move_mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MoveMount(int fromDirfd, string fromPath, int toDirfd, string toPath, uint flags);
}
