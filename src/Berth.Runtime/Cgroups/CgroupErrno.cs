namespace Berth.Runtime.Cgroups;

/// <summary>
/// The few errno values the cgroup code reacts to, and the errno behind a BCL I/O exception.
/// The cgroup code uses the BCL's file APIs rather than P/Invoke; on Linux they carry the errno
/// in <see cref="Exception.HResult"/> (or in the inner exception of an access error).
/// </summary>
internal static class CgroupErrno
{
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
    public const int ENAMETOOLONG = 36;
    public const int ENOTEMPTY = 39;

    /// <summary>Errno values are small positive numbers; anything else in HResult is a COM-style code.</summary>
    private const int MaxErrno = 4095;

    public static int FromException(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => ENOENT,
        PathTooLongException => ENAMETOOLONG,
        UnauthorizedAccessException => e.InnerException is { } inner && IsErrno(inner.HResult) ? inner.HResult : EACCES,
        IOException when IsErrno(e.HResult) => e.HResult,
        _ => EIO,
    };

    private static bool IsErrno(int value) => value is > 0 and <= MaxErrno;
}
