namespace Berth.Runtime.Cgroups;

/// <summary>Reads of counter files for statistics, where a missing file (an older kernel, an absent controller) is not an error.</summary>
internal sealed class StatFiles
{
    private readonly ICgroupFileSystem _fs;

    public StatFiles(ICgroupFileSystem fs) => _fs = fs;

    public string? Text(string directory, string file)
    {
        try
        {
            return _fs.ReadFile(CgroupDirectoryPath.Join(directory, file));
        }
        catch (CgroupException e) when (e.Errno is CgroupErrno.ENOENT or CgroupErrno.EINVAL or 95)
        {
            // ENOENT: no such file; EINVAL/EOPNOTSUPP: the kernel has the file but not the counter.
            return null;
        }
    }

    public ulong? Number(string directory, string file) =>
        Text(directory, file) is { } text && CgroupValues.TryParse(text, out var value) ? value : null;

    public Dictionary<string, ulong>? FlatKeyed(string directory, string file) =>
        Text(directory, file) is { } text ? CgroupValues.ParseFlatKeyed(text) : null;

    /// <summary>The page sizes (<c>2MB</c>, <c>1GB</c>) that have a <c>hugetlb.&lt;size&gt;&lt;suffix&gt;</c> file in the directory.</summary>
    public IReadOnlyList<string> HugePageSizes(string directory, string suffix)
    {
        if (!_fs.Exists(directory))
            return [];
        var sizes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "hugetlb.*"))
        {
            var name = Path.GetFileName(file);
            var middle = name["hugetlb.".Length..];
            if (middle.EndsWith(suffix, StringComparison.Ordinal) && !middle.Contains(".rsvd", StringComparison.Ordinal))
            {
                var size = middle[..^suffix.Length];
                if (size.Length > 0 && !size.Contains('.', StringComparison.Ordinal))
                    sizes.Add(size);
            }
        }

        return [.. sizes];
    }
}
