using System.Runtime.InteropServices;
using System.Text.Json;
using Berth.Oci.Runtime;
using Berth.Oci.Runtime.Json;

namespace Berth.Runtime.State;

/// <summary>
/// state.json, written and read by hand: the container's config goes in as the bytes it was read
/// from, so saving the state at every create costs no serialization of the whole spec model.
/// </summary>
internal static class ContainerStateJson
{
    public static byte[] Write(ContainerState state)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", state.Id);
            w.WriteNumber("init_pid", state.InitPid);
            w.WriteNumber("init_start_time", state.InitStartTime);
            w.WriteString("bundle", state.Bundle);
            w.WriteString("rootfs", state.Rootfs);
            w.WriteString("created", state.Created);
            w.WriteString("owner", state.Owner);
            WriteMap(w, "cgroup_paths", state.CgroupPaths);
            WriteMap(w, "namespace_paths", state.NamespacePaths);
            w.WritePropertyName("config");
            if (state.ConfigJson.IsEmpty)
                w.WriteRawValue(OciJson.SerializeSpec(state.Config));
            else
                w.WriteRawValue(state.ConfigJson.Span, skipInputValidation: true);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <exception cref="SpecException">A member has the wrong JSON type.</exception>
    /// <exception cref="JsonException">The document is not JSON.</exception>
    public static ContainerState Read(byte[] json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind == JsonValueKind.Null)
            throw new RuntimeException($"{source}: empty state");
        var o = JsonFields.Root(doc.RootElement, source);
        var configJson = doc.RootElement.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object
            ? JsonMarshal.GetRawUtf8Value(c).ToArray()
            : throw new SpecException(source, "config", "is required");
        return new ContainerState
        {
            Id = o.String("id"),
            InitPid = o.Int32("init_pid"),
            InitStartTime = o.UInt64("init_start_time"),
            Bundle = o.String("bundle"),
            Rootfs = o.String("rootfs"),
            Created = doc.RootElement.TryGetProperty("created", out var created) && created.TryGetDateTime(out var t) ? t : default,
            Owner = o.String("owner"),
            CgroupPaths = o.StringMap("cgroup_paths") ?? [],
            NamespacePaths = o.StringMap("namespace_paths") ?? [],
            Config = SpecReader.Read(configJson, source),
            ConfigJson = configJson,
        };
    }

    private static void WriteMap(Utf8JsonWriter w, string name, Dictionary<string, string> map)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in map)
            w.WriteString(key, value);
        w.WriteEndObject();
    }
}
