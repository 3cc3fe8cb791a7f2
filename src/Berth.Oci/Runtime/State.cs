using System.Globalization;
using System.Text.Json.Serialization;

namespace Berth.Oci.Runtime;

/// <summary>
/// The container state printed by the state verb: the OCI fields followed by runc's
/// additions (rootfs, created, owner), in runc's order so output can be diffed against it.
/// </summary>
public sealed class State
{
    [JsonPropertyName("ociVersion")]
    public string OciVersion { get; set; } = "";

    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    /// <summary>runc prints the pid even when it is 0 (stopped), unlike the spec's omitempty.</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; set; }

    /// <summary>One of <see cref="ContainerStatus"/>'s values.</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = "";

    [JsonPropertyName("bundle")]
    public string Bundle { get; set; } = "";

    [JsonPropertyName("rootfs")]
    public string Rootfs { get; set; } = "";

    /// <summary>RFC 3339 with nanoseconds, UTC, as Go's time.Time marshals.</summary>
    [JsonPropertyName("created")]
    public string Created { get; set; } = "";

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("owner")]
    public string Owner { get; set; } = "";

    /// <summary>
    /// Formats a time the way Go's RFC3339Nano does (UTC, fraction without trailing zeros),
    /// which is what runc writes in "created".
    /// </summary>
    public static string FormatCreated(DateTime time)
    {
        var utc = time.ToUniversalTime();
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        var seconds = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return fraction.Length == 0 ? seconds + "Z" : seconds + "." + fraction + "Z";
    }
}

/// <summary>Status strings of the OCI state, plus runc's "paused".</summary>
public static class ContainerStatus
{
    public const string Creating = "creating";
    public const string Created = "created";
    public const string Running = "running";
    public const string Stopped = "stopped";
    public const string Paused = "paused";
}
