namespace Berth.Runtime.Cgroups;

/// <summary>
/// Places a container's processes in its cgroup and removes the cgroup afterwards (runc's
/// cgroups.Manager, placement part). Resource limits, freezing and stats come later, one folder per
/// cgroup version (<c>V1/</c>, <c>V2/</c>).
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
}
