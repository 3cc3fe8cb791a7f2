using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups.Devices;
using Berth.Runtime.Cgroups.Stats;

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

    /// <summary>How long <see cref="Freeze"/> and <see cref="Thaw"/> wait for cgroup.events to confirm.</summary>
    public TimeSpan FreezeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Puts a compiled device program on a cgroup directory; <see cref="BpfDeviceFilter.Install"/> on the
    /// host. A test against a fake cgroupfs replaces it to see the program instead.
    /// </summary>
    public Action<string, IReadOnlyList<BpfInstruction>> DeviceFilterInstaller { get; init; } = BpfDeviceFilter.Install;

    public void Apply(LinuxResources resources) => V2Resources.Apply(new ResourceWriter(_fs), _directory, resources);

    public void ApplyDevices(IReadOnlyList<LinuxDeviceCgroup> rules) =>
        DeviceFilterInstaller(_directory, DeviceFilterProgram.Compile(DevicePolicy.From(rules)));

    public void Freeze() => V2Freezer.Set(_fs, _directory, frozen: true, FreezeTimeout);

    public void Thaw() => V2Freezer.Set(_fs, _directory, frozen: false, FreezeTimeout);

    public FreezerState FreezerState => V2Freezer.GetState(_fs, _directory);

    public CgroupStats GetStats() => V2Stats.Read(_fs, _directory);
}
