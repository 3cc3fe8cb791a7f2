using System.Runtime.InteropServices;

namespace Berth.Runtime.Cgroups;

/// <summary>
/// A cgroup operation that failed, naming the operation and the path it acted on:
/// <c>cgroup: create /sys/fs/cgroup/memory/foo: permission denied</c>.
/// </summary>
public sealed class CgroupException : Exception
{
    /// <summary>A failed system call on <paramref name="path"/>, described by its errno.</summary>
    public CgroupException(string operation, string path, int errno, Exception? innerException = null)
        : this(operation, path, errno, $"cgroup: {operation} {path}: {Describe(errno)}", innerException)
    {
    }

    private CgroupException(string operation, string path, int errno, string message, Exception? innerException)
        : base(message, innerException)
    {
        Operation = operation;
        Path = path;
        Errno = errno;
    }

    /// <summary>What was being done: <c>create</c>, <c>write</c>, <c>read</c>, <c>remove</c>, <c>resolve</c>…</summary>
    public string Operation { get; }

    /// <summary>The file or directory acted on, or the <c>linux.cgroupsPath</c> value being resolved.</summary>
    public string Path { get; }

    /// <summary>The kernel's errno, or 0 when the failure did not come from a system call.</summary>
    public int Errno { get; }

    /// <summary>A failure with its own wording (no errno), for example a refused configuration.</summary>
    internal static CgroupException Custom(string operation, string path, string message, Exception? innerException = null) =>
        new(operation, path, 0, message, innerException);

    /// <summary>A refused <c>linux.cgroupsPath</c>, worded like runc's configuration errors.</summary>
    internal static CgroupException InvalidCgroupsPath(string cgroupsPath, string reason) =>
        new("resolve", cgroupsPath, 0, $"cgroup: linux.cgroupsPath \"{cgroupsPath}\": {reason}", null);

    /// <summary>A failed write, naming the value written: <c>cgroup: write 42 to …/cgroup.procs: no such process</c>.</summary>
    internal static CgroupException WriteFailed(string path, string value, int errno, Exception? innerException) =>
        new("write", path, errno, $"cgroup: write {value} to {path}: {Describe(errno)}", innerException);

    /// <summary>
    /// A failed write of a <c>linux.resources</c> field, naming the field first:
    /// <c>linux.resources.memory.limit: write 1048576 to …/memory.limit_in_bytes: device or resource busy</c>.
    /// </summary>
    internal static CgroupException ResourceWriteFailed(string field, string path, string value, CgroupException inner) =>
        new("write", path, inner.Errno, $"linux.resources.{field}: write {value} to {path}: {Describe(inner.Errno)}", inner);

    /// <summary>A failed read made while applying a <c>linux.resources</c> field.</summary>
    internal static CgroupException ResourceReadFailed(string field, string path, CgroupException inner) =>
        new("read", path, inner.Errno, $"linux.resources.{field}: read {path}: {Describe(inner.Errno)}", inner);

    /// <summary>A <c>linux.resources</c> field that cannot be applied as given: <c>linux.resources.memory.swappiness: …</c>.</summary>
    internal static CgroupException InvalidResource(string field, string reason, string? path = null, int errno = 0, Exception? innerException = null) =>
        new("apply", path ?? field, errno, $"linux.resources.{field}: {reason}", innerException);

    /// <summary>The C library's lowercase description, as runc prints Go's syscall.Errno.</summary>
    internal static string Describe(int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : $"errno {errno}";
    }
}
