using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups.Stats;

namespace Berth.Runtime.Cgroups;

/// <summary>
/// A container's cgroup (runc's cgroups.Manager): placement, resource limits, the device policy,
/// the freezer and statistics, with one implementation per cgroup version (<c>V1/</c>, <c>V2/</c>).
/// </summary>
public interface ICgroupManager
{
    /// <summary>The container's <c>linux.cgroupsPath</c> after cleaning: <c>/a/b</c> (from the hierarchy root) or <c>a/b</c> (from the runtime's own cgroup).</summary>
    string Path { get; }

    /// <summary>
    /// Controller → absolute directory of the container's cgroup, as runc records them in state.json
    /// (<c>cpu</c>, <c>cpuacct</c>, <c>name=systemd</c>…; comounted controllers share a directory); key
    /// <c>""</c> is the cgroup2 tree (the only key on a unified host).
    /// </summary>
    IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>Creates the cgroup directories (and missing parents) in every hierarchy.</summary>
    void Create();

    /// <summary>Moves process <paramref name="pid"/> into the container's cgroup in every hierarchy (writes cgroup.procs).</summary>
    void AddProcess(int pid);

    /// <summary>Every pid in the container's cgroup and the cgroups beneath it, ascending.</summary>
    IReadOnlyList<int> GetPids();

    /// <summary>Whether the container's cgroup exists.</summary>
    bool Exists();

    /// <summary>Removes the cgroup directories, deepest first, in every hierarchy; missing ones are fine.</summary>
    void Destroy();

    /// <summary>
    /// Writes every field of <c>linux.resources</c> except <c>devices</c> (see <see cref="ApplyDevices"/>),
    /// in runc's order (runc's Manager.Set). Unset fields are left alone, so this serves both create and
    /// update. A failure names the field, the value and the file.
    /// </summary>
    void Apply(LinuxResources resources);

    /// <summary>
    /// Installs the device policy (the list <see cref="DeviceRules.For"/> builds): devices.allow and
    /// devices.deny on v1, an eBPF BPF_CGROUP_DEVICE program on v2 that replaces any earlier one.
    /// </summary>
    void ApplyDevices(IReadOnlyList<LinuxDeviceCgroup> rules);

    /// <summary>Freezes every process in the cgroup and returns once the kernel reports them frozen.</summary>
    void Freeze();

    /// <summary>Thaws the cgroup and returns once the kernel reports it thawed.</summary>
    void Thaw();

    /// <summary>The cgroup's own freezer state (a cgroup frozen only through an ancestor reads as thawed, as in runc).</summary>
    FreezerState FreezerState { get; }

    /// <summary>The counters runc's <c>events --stats</c> prints; controllers that are absent leave their part empty.</summary>
    CgroupStats GetStats();
}
