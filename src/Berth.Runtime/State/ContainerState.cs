using System.Text.Json.Serialization;
using Berth.Oci.Runtime;

namespace Berth.Runtime.State;

/// <summary>What the runtime keeps about one container in &lt;root&gt;/&lt;id&gt;/state.json.</summary>
public sealed class ContainerState
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("init_pid")]
    public int InitPid { get; set; }

    /// <summary>Field 22 of /proc/pid/stat when init started: a recycled pid has another start time.</summary>
    [JsonPropertyName("init_start_time")]
    public ulong InitStartTime { get; set; }

    [JsonPropertyName("bundle")]
    public string Bundle { get; set; } = "";

    [JsonPropertyName("rootfs")]
    public string Rootfs { get; set; } = "";

    [JsonPropertyName("created")]
    public DateTime Created { get; set; }

    [JsonPropertyName("owner")]
    public string Owner { get; set; } = "";

    [JsonPropertyName("cgroup_paths")]
    public Dictionary<string, string> CgroupPaths { get; set; } = [];

    [JsonPropertyName("namespace_paths")]
    public Dictionary<string, string> NamespacePaths { get; set; } = [];

    /// <summary>The config the container was created with: delete needs its hooks and cgroups after the bundle is gone.</summary>
    [JsonPropertyName("config")]
    public Spec Config { get; set; } = new();
}
