using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// A failed system call, carrying the operation and the path it acted on so that the message
/// reads like runc's: <c>mount proc on /proc: permission denied (EACCES)</c>.
/// </summary>
public sealed class LinuxException : Exception
{
    public LinuxException(int errno, string operation, string? path = null)
        : base(Format(errno, operation, path))
    {
        Errno = errno;
        Operation = operation;
        Path = path;
    }

    public int Errno { get; }

    public string Operation { get; }

    public string? Path { get; }

    /// <summary>Throws for the errno of the last P/Invoke marked <c>SetLastError = true</c>.</summary>
    public static LinuxException FromLastError(string operation, string? path = null) =>
        new(Marshal.GetLastPInvokeError(), operation, path);

    private static string Format(int errno, string operation, string? path)
    {
        var what = path is null ? operation : $"{operation} {path}";
        return $"{what}: {Linux.Errno.Describe(errno)} ({Linux.Errno.Name(errno)})";
    }
}
