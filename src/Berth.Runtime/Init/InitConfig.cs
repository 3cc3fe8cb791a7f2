using System.Text.Json.Serialization;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Init;

/// <summary>What the parent tells init after namespace entry (MSG_CONFIG on the init pipe).</summary>
public sealed class InitConfig
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("bundle")]
    public string Bundle { get; set; } = "";

    /// <summary>Absolute host path of the root filesystem.</summary>
    [JsonPropertyName("rootfs")]
    public string Rootfs { get; set; } = "";

    [JsonPropertyName("config")]
    public Spec Config { get; set; } = new();

    /// <summary>An exec into a running container: namespaces were joined, nothing is built, no fifo.</summary>
    [JsonPropertyName("exec")]
    public bool Exec { get; set; }

    /// <summary>The compiled seccomp program (struct sock_filter[]), made by the parent at create.</summary>
    [JsonPropertyName("seccomp_filter")]
    public byte[]? SeccompFilter { get; set; }

    [JsonPropertyName("seccomp_flags")]
    public uint SeccompFlags { get; set; }

    [JsonPropertyName("no_pivot")]
    public bool NoPivot { get; set; }

    [JsonPropertyName("no_new_keyring")]
    public bool NoNewKeyring { get; set; }

    [JsonPropertyName("preserve_fds")]
    public int PreserveFds { get; set; }

    /// <summary>fd of the exec fifo (O_PATH), opened for writing to wait for start.</summary>
    [JsonPropertyName("fifo_fd")]
    public int FifoFd { get; set; } = -1;

    [JsonPropertyName("console_socket_fd")]
    public int ConsoleSocketFd { get; set; } = -1;

    [JsonPropertyName("log_fd")]
    public int LogFd { get; set; } = -1;

    [JsonPropertyName("debug")]
    public bool Debug { get; set; }

    /// <summary>Set when the user namespace is new: mknod is refused there, so devices are bind-mounted.</summary>
    [JsonPropertyName("in_user_namespace")]
    public bool InUserNamespace { get; set; }

    /// <summary>True when the mount namespace is new (otherwise no rootfs set-up is possible).</summary>
    [JsonPropertyName("new_cgroup_namespace")]
    public bool NewCgroupNamespace { get; set; }

    [JsonPropertyName("new_mount_namespace")]
    public bool NewMountNamespace { get; set; }
}
