using System.Text.Json;

namespace Berth.Oci.Runtime.Json;

/// <summary>An integer type of the model: its name in messages and its exact reader (no fractions, no overflow).</summary>
internal sealed class NumberKind<T>(string name, NumberKind<T>.Reader reader)
    where T : struct
{
    public delegate bool Reader(JsonElement element, out T value);

    public string Name { get; } = name;

    public bool TryGet(JsonElement element, out T value) => reader(element, out value);
}

internal static class Numbers
{
    public static readonly NumberKind<ushort> UInt16 = new("integer (uint16)", static (JsonElement e, out ushort v) => e.TryGetUInt16(out v));
    public static readonly NumberKind<uint> UInt32 = new("integer (uint32)", static (JsonElement e, out uint v) => e.TryGetUInt32(out v));
    public static readonly NumberKind<ulong> UInt64 = new("integer (uint64)", static (JsonElement e, out ulong v) => e.TryGetUInt64(out v));
    public static readonly NumberKind<int> Int32 = new("integer (int32)", static (JsonElement e, out int v) => e.TryGetInt32(out v));
    public static readonly NumberKind<long> Int64 = new("integer (int64)", static (JsonElement e, out long v) => e.TryGetInt64(out v));
}
