using System.Text.Json.Serialization;

namespace Berth.Runtime.Cgroups.Stats;

/// <summary>Source-generated (NativeAOT-safe) JSON for <see cref="CgroupStats"/>.</summary>
[JsonSerializable(typeof(CgroupStats))]
public sealed partial class CgroupStatsJsonContext : JsonSerializerContext
{
}
