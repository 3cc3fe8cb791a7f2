using System.Text;

namespace Berth.Runtime.Cgroups;

/// <summary>The real cgroupfs, through the BCL's file APIs.</summary>
public sealed class HostCgroupFileSystem : ICgroupFileSystem
{
    /// <summary>rwxr-xr-x, as runc creates cgroup directories.</summary>
    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static HostCgroupFileSystem Instance { get; } = new();

    public bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    public void CreateDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path, DirectoryMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException("create", path, CgroupErrno.FromException(e), e);
        }
    }

    public void RemoveDirectory(string path)
    {
        try
        {
            // Not recursive: a cgroup's control files cannot be unlinked, and rmdir(2) is what removes
            // the cgroup with them.
            Directory.Delete(path, recursive: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException("remove", path, CgroupErrno.FromException(e), e);
        }
    }

    public IReadOnlyList<string> GetSubdirectories(string path)
    {
        try
        {
            return Directory.GetDirectories(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException("read", path, CgroupErrno.FromException(e), e);
        }
    }

    public string ReadFile(string path)
    {
        try
        {
            // cgroupfs reports st_size 0, so read to end-of-file rather than trusting the size.
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException("read", path, CgroupErrno.FromException(e), e);
        }
    }

    public void WriteFile(string path, string value)
    {
        try
        {
            // FileMode.Open: never O_CREAT or O_TRUNC; the kernel takes the value in one write(2).
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            RandomAccess.Write(handle, Encoding.ASCII.GetBytes(value), fileOffset: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CgroupException.WriteFailed(path, value, CgroupErrno.FromException(e), e);
        }
    }
}
