using System.Text.Json.Serialization;

namespace Berth.Oci.Runtime;

/// <summary>
/// Source-generated serializers for the runtime-spec documents (no reflection, so NativeAOT and
/// trimming keep working). Defaults match `runc spec` output: tab-indented, nulls omitted.
/// Nullable annotations are enforced so `"cwd": null` fails at load time instead of later.
/// Unknown properties are skipped, as the spec requires of runtimes.
/// To write documents use <see cref="OciJson"/>, which also matches runc's layout per verb and
/// Go's string escaping.
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    IndentCharacter = '\t',
    IndentSize = 1,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(Spec))]
[JsonSerializable(typeof(State))]
[JsonSerializable(typeof(List<State>))]
[JsonSerializable(typeof(Features))]
public sealed partial class OciJsonContext : JsonSerializerContext
{
}
