using System.Globalization;
using System.Text.Json;

namespace Berth.Oci.Runtime.Json;

/// <summary>
/// Typed access to the members of one JSON object, for readers written by hand. Every value of the
/// wrong JSON type is refused with the dotted path of the value and what it holds
/// ("process.user.uid: expected integer (uint32), got string \"0\""). Unknown members are
/// ignored, as the runtime spec asks of runtimes. An absent member reads as the model's default;
/// an explicit null is accepted only where the model allows null.
/// </summary>
/// <remarks>
/// Why by hand: the source-generated serializer configures its metadata for every model type on
/// first use, through reflection over attributes, which costs milliseconds at each start of a
/// NativeAOT process; a container start reads config.json on its critical path.
/// </remarks>
public readonly struct JsonFields
{
    private readonly JsonElement _object;
    private readonly string _source;

    private JsonFields(JsonElement element, string path, string source)
    {
        _object = element;
        Path = path;
        _source = source;
    }

    /// <summary>The dotted path of this object ("" for the document itself).</summary>
    public string Path { get; }

    public static JsonFields Root(JsonElement element, string source)
    {
        Expect(element, JsonValueKind.Object, "object", "", source);
        return new JsonFields(element, "", source);
    }

    public string String(string name, string absent = "") =>
        TryGet(name, out var v, out var path) ? AsString(v, path) : absent;

    public string? NullableString(string name) =>
        TryGet(name, out var v, out var path) && v.ValueKind != JsonValueKind.Null ? AsString(v, path) : null;

    public bool Bool(string name) =>
        TryGet(name, out var v, out var path) && AsBool(v, path);

    public bool? NullableBool(string name) =>
        TryGet(name, out var v, out var path) && v.ValueKind != JsonValueKind.Null ? AsBool(v, path) : null;

    public uint UInt32(string name) => Number(name, Numbers.UInt32) ?? 0;

    public uint? NullableUInt32(string name) => Number(name, Numbers.UInt32);

    public ulong UInt64(string name) => Number(name, Numbers.UInt64) ?? 0;

    public ulong? NullableUInt64(string name) => Number(name, Numbers.UInt64);

    public int Int32(string name) => Number(name, Numbers.Int32) ?? 0;

    public int? NullableInt32(string name) => Number(name, Numbers.Int32);

    public long Int64(string name) => Number(name, Numbers.Int64) ?? 0;

    public long? NullableInt64(string name) => Number(name, Numbers.Int64);

    public ushort? NullableUInt16(string name) => Number(name, Numbers.UInt16);

    public List<string>? Strings(string name) => List(name, static (e, p, s) => AsString(e, p, s));

    public List<uint>? UInt32s(string name) => List(name, static (e, p, s) => AsNumber(e, p, s, Numbers.UInt32));

    /// <summary>An array of objects, each read by <paramref name="read"/>.</summary>
    public List<T>? Objects<T>(string name, Func<JsonFields, T> read) =>
        List(name, (e, p, s) => read(AsObject(e, p, s)));

    /// <summary>A nested object; null or absent reads as null.</summary>
    public T? Object<T>(string name, Func<JsonFields, T> read)
        where T : class =>
        TryGet(name, out var v, out var path) && v.ValueKind != JsonValueKind.Null ? read(AsObject(v, path, _source)) : null;

    /// <summary>A nested object the model never holds as null: absent reads as <paramref name="absent"/>.</summary>
    public T RequiredObject<T>(string name, Func<JsonFields, T> read, Func<T> absent) =>
        TryGet(name, out var v, out var path) ? read(AsObject(v, path, _source)) : absent();

    public Dictionary<string, string>? StringMap(string name) => Map(name, static (e, p, s) => AsString(e, p, s));

    public Dictionary<string, T>? ObjectMap<T>(string name, Func<JsonFields, T> read) =>
        Map(name, (e, p, s) => read(AsObject(e, p, s)));

    private List<T>? List<T>(string name, Func<JsonElement, string, string, T> read)
    {
        if (!TryGet(name, out var v, out var path) || v.ValueKind == JsonValueKind.Null)
            return null;
        Expect(v, JsonValueKind.Array, "array", path, _source);
        var list = new List<T>(v.GetArrayLength());
        var i = 0;
        foreach (var item in v.EnumerateArray())
            list.Add(read(item, path + "[" + (i++).ToString(CultureInfo.InvariantCulture) + "]", _source));
        return list;
    }

    private Dictionary<string, T>? Map<T>(string name, Func<JsonElement, string, string, T> read)
    {
        if (!TryGet(name, out var v, out var path) || v.ValueKind == JsonValueKind.Null)
            return null;
        Expect(v, JsonValueKind.Object, "object", path, _source);
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var member in v.EnumerateObject())
            map[member.Name] = read(member.Value, JsonPathText.Child(path, member.Name), _source);
        return map;
    }

    private T? Number<T>(string name, NumberKind<T> kind)
        where T : struct =>
        TryGet(name, out var v, out var path) && v.ValueKind != JsonValueKind.Null ? AsNumber(v, path, _source, kind) : (T?)null;

    private bool TryGet(string name, out JsonElement value, out string path)
    {
        path = "";
        if (!_object.TryGetProperty(name, out value))
            return false;
        path = JsonPathText.Child(Path, name);
        return true;
    }

    private string AsString(JsonElement e, string path) => AsString(e, path, _source);

    private bool AsBool(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Mismatch("boolean", e, path, _source),
    };

    private static string AsString(JsonElement e, string path, string source)
    {
        Expect(e, JsonValueKind.String, "string", path, source);
        return e.GetString()!;
    }

    private static JsonFields AsObject(JsonElement e, string path, string source)
    {
        Expect(e, JsonValueKind.Object, "object", path, source);
        return new JsonFields(e, path, source);
    }

    private static T AsNumber<T>(JsonElement e, string path, string source, NumberKind<T> kind)
        where T : struct =>
        e.ValueKind == JsonValueKind.Number && kind.TryGet(e, out var value) ? value : throw Mismatch(kind.Name, e, path, source);

    private static void Expect(JsonElement e, JsonValueKind kind, string name, string path, string source)
    {
        if (e.ValueKind != kind)
            throw Mismatch(name, e, path, source);
    }

    private static SpecException Mismatch(string expected, JsonElement actual, string path, string source) =>
        new(source, path, $"expected {expected}, got {Describe(actual)}");

    /// <summary>What the document holds: "string \"0\"", "number -1", "null".</summary>
    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "string " + JsonErrors.Quote(e.GetString()),
        JsonValueKind.Number => "number " + e.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "null",
    };
}
