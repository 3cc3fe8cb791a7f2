using Berth.Oci.Runtime;
using Berth.Oci.Runtime.Json;

namespace Berth.Runtime.State;

/// <summary>What the runtime keeps about one container in &lt;root&gt;/&lt;id&gt;/state.json.</summary>
public sealed class ContainerState
{
    public string Id { get; set; } = "";

    public int InitPid { get; set; }

    /// <summary>Field 22 of /proc/pid/stat when init started: a recycled pid has another start time.</summary>
    public ulong InitStartTime { get; set; }

    public string Bundle { get; set; } = "";

    public string Rootfs { get; set; } = "";

    public DateTime Created { get; set; }

    public string Owner { get; set; } = "";

    public Dictionary<string, string> CgroupPaths { get; set; } = [];

    public Dictionary<string, string> NamespacePaths { get; set; } = [];

    /// <summary>The config the container was created with: delete needs its hooks and cgroups after the bundle is gone.</summary>
    public Spec Config { get; set; } = new();

    /// <summary>
    /// <see cref="Config"/> as JSON: the bytes config.json held at create, written into state.json
    /// as they are. Whoever changes <see cref="Config"/> sets this anew (<see cref="SetConfig"/>).
    /// </summary>
    public ReadOnlyMemory<byte> ConfigJson { get; set; }

    /// <summary>Replaces the config and its JSON form together.</summary>
    public void SetConfig(Spec config)
    {
        Config = config;
        ConfigJson = System.Text.Encoding.UTF8.GetBytes(OciJson.SerializeSpec(config));
    }

    /// <summary>A private copy of the config, for a caller that changes it (exec's process template).</summary>
    public Spec CopyConfig() => SpecReader.Read(ConfigJson, "state.json");
}
