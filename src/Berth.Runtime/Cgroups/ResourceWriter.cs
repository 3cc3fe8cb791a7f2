using System.Globalization;

namespace Berth.Runtime.Cgroups;

/// <summary>
/// Control-file access for applying <c>linux.resources</c>: every failure is reported under the
/// field being applied, and values are formatted the one way the kernel parses them.
/// </summary>
internal sealed class ResourceWriter
{
    private readonly ICgroupFileSystem _fs;

    public ResourceWriter(ICgroupFileSystem fs) => _fs = fs;

    public ICgroupFileSystem FileSystem => _fs;

    public void Write(string field, string directory, string file, string value)
    {
        var path = CgroupDirectoryPath.Join(directory, file);
        try
        {
            _fs.WriteFile(path, value);
        }
        catch (CgroupException e)
        {
            throw CgroupException.ResourceWriteFailed(field, path, value, e);
        }
    }

    public void Write(string field, string directory, string file, long value) =>
        Write(field, directory, file, Format(value));

    public void Write(string field, string directory, string file, ulong value) =>
        Write(field, directory, file, Format(value));

    public string Read(string field, string directory, string file)
    {
        var path = CgroupDirectoryPath.Join(directory, file);
        try
        {
            return _fs.ReadFile(path);
        }
        catch (CgroupException e)
        {
            throw CgroupException.ResourceReadFailed(field, path, e);
        }
    }

    public bool Exists(string directory, string file) => _fs.Exists(CgroupDirectoryPath.Join(directory, file));

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
