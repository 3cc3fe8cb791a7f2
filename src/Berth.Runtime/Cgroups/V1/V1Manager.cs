using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups.Stats;

namespace Berth.Runtime.Cgroups.V1;

/// <summary>
/// A container's cgroup on a cgroup v1 host: one directory in each mounted hierarchy, named hierarchies
/// included, and on a hybrid host also in the controller-less cgroup2 tree (key <c>""</c>).
/// </summary>
public sealed class V1Manager : ICgroupManager
{
    private const string CpusetController = "cpuset";

    /// <summary>runc reads pids and existence from the devices hierarchy, which every container has.</summary>
    private const string PrimaryController = "devices";

    private readonly ICgroupFileSystem _fs;

    /// <summary>The distinct directories, in the order of <see cref="Paths"/>, with whether each is a cpuset cgroup.</summary>
    private readonly List<(string Directory, bool IsCpuset)> _directories = [];

    private readonly string _primary;

    /// <param name="path">The container's cleaned <c>linux.cgroupsPath</c>, for <see cref="Path"/>.</param>
    /// <param name="paths">Controller → absolute directory (as <see cref="CgroupManagerFactory"/> resolves them, or as read back from state).</param>
    /// <param name="fileSystem">The cgroupfs to act on; the host's by default.</param>
    public V1Manager(string path, IReadOnlyDictionary<string, string> paths, ICgroupFileSystem? fileSystem = null)
    {
        if (paths.Count == 0)
            throw new ArgumentException("a cgroup v1 manager needs at least one hierarchy", nameof(paths));

        Path = path;
        _fs = fileSystem ?? HostCgroupFileSystem.Instance;
        Paths = new Dictionary<string, string>(paths, StringComparer.Ordinal).AsReadOnly();

        foreach (var (controller, directory) in paths)
        {
            var index = _directories.FindIndex(d => d.Directory == directory);
            if (index < 0)
                _directories.Add((directory, controller == CpusetController));
            else if (controller == CpusetController)
                _directories[index] = (directory, true);
        }

        _primary = paths.TryGetValue(PrimaryController, out var devices)
            ? devices
            : paths.Where(p => p.Key.Length > 0).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).FirstOrDefault()
              ?? paths.Values.First();
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Paths { get; }

    public void Create()
    {
        foreach (var (directory, isCpuset) in _directories)
        {
            if (isCpuset)
                Cpuset.CreateDirectories(_fs, directory);
            else
                CgroupTree.CreateDirectories(_fs, directory);
        }
    }

    public void AddProcess(int pid)
    {
        foreach (var (directory, _) in _directories)
            CgroupTree.AddProcess(_fs, directory, pid);
    }

    public IReadOnlyList<int> GetPids() => CgroupTree.GetPids(_fs, _primary);

    public bool Exists() => _fs.Exists(_primary);

    public void Destroy() => CgroupTree.Remove(_fs, _directories.Select(d => d.Directory));

    public void Apply(LinuxResources resources) => V1Resources.Apply(new ResourceWriter(_fs), Paths, resources);

    public void ApplyDevices(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        if (!Paths.TryGetValue("devices", out var devices))
            throw CgroupException.InvalidResource("devices", "the devices controller is not mounted on this host");
        DeviceRules.ApplyV1(devices, rules, _fs);
    }

    public void Freeze() => V1Freezer.Freeze(_fs, FreezerDirectory("freeze"));

    public void Thaw() => V1Freezer.Thaw(_fs, FreezerDirectory("thaw"));

    public FreezerState FreezerState =>
        Paths.TryGetValue("freezer", out var freezer) ? V1Freezer.GetState(_fs, freezer) : FreezerState.Undefined;

    public CgroupStats GetStats() => V1Stats.Read(_fs, Paths);

    private string FreezerDirectory(string verb) =>
        Paths.TryGetValue("freezer", out var freezer)
            ? freezer
            : throw CgroupException.Custom(verb, Path, $"cgroup: {verb} {Path}: the freezer controller is not mounted on this host");
}
