namespace Berth.Oci.Runtime;

/// <summary>The namespace type strings of <see cref="LinuxNamespace.Type"/>.</summary>
public static class NamespaceTypes
{
    public const string Pid = "pid";
    public const string Network = "network";
    public const string Mount = "mount";
    public const string Ipc = "ipc";
    public const string Uts = "uts";
    public const string User = "user";
    public const string Cgroup = "cgroup";
    public const string Time = "time";

    /// <summary>Every type the spec defines, sorted as runc's features prints them.</summary>
    public static IReadOnlyList<string> All { get; } = [Cgroup, Ipc, Mount, Network, Pid, Time, User, Uts];

    /// <summary>Type → CLONE_NEW* flag for clone(2), unshare(2) and setns(2).</summary>
    public static IReadOnlyDictionary<string, int> CloneFlags { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [Mount] = 0x00020000,
        [Cgroup] = 0x02000000,
        [Uts] = 0x04000000,
        [Ipc] = 0x08000000,
        [User] = 0x10000000,
        [Pid] = 0x20000000,
        [Network] = 0x40000000,
        [Time] = 0x00000080,
    };
}
