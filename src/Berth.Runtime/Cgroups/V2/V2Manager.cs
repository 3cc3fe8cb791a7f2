namespace Berth.Runtime.Cgroups.V2;

/// <summary>
/// A container's cgroup in a cgroup2 tree: the unified hierarchy of a v2 host, or any cgroup2 mount
/// (such as the controller-less /sys/fs/cgroup/unified of a hybrid host).
/// </summary>
public sealed class V2Manager : ICgroupManager
{
    private readonly string _directory;
    private readonly ICgroupFileSystem _fs;

    /// <param name="path">The container's cleaned <c>linux.cgroupsPath</c>, for <see cref="Path"/>.</param>
    /// <param name="directory">The absolute directory of the container's cgroup.</param>
    /// <param name="fileSystem">The cgroupfs to act on; the host's by default.</param>
    public V2Manager(string path, string directory, ICgroupFileSystem? fileSystem = null)
    {
        Path = path;
        _directory = directory;
        _fs = fileSystem ?? HostCgroupFileSystem.Instance;
        Paths = new Dictionary<string, string>(StringComparer.Ordinal) { [""] = directory }.AsReadOnly();
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Paths { get; }

    public void Create() => CgroupTree.CreateDirectories(_fs, _directory);

    public void AddProcess(int pid) => CgroupTree.AddProcess(_fs, _directory, pid);

    public IReadOnlyList<int> GetPids() => CgroupTree.GetPids(_fs, _directory);

    public bool Exists() => _fs.Exists(_directory);

    public void Destroy() => CgroupTree.Remove(_fs, [_directory]);
}
