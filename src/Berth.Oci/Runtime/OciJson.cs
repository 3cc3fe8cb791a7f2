using System.Text.Encodings.Web;
using System.Text.Json;

namespace Berth.Oci.Runtime;

/// <summary>
/// Writes the runtime-spec documents byte-for-byte in the layout runc uses for each verb,
/// so tools that diff or parse runc's output see the same text.
/// </summary>
public static class OciJson
{
    // Go's encoder escapes only <, > and &; the default web-safe encoder would also turn '+'
    // ("1.0.2+dev") and every non-ASCII character into \uXXXX. These are files and terminal
    // output, never HTML, so the relaxed encoder is the faithful one.
    private static readonly OciJsonContext s_tabs = Create(indented: true, '\t', 1);
    private static readonly OciJsonContext s_twoSpaces = Create(indented: true, ' ', 2);
    private static readonly OciJsonContext s_fourSpaces = Create(indented: true, ' ', 4);
    private static readonly OciJsonContext s_compact = Create(indented: false, ' ', 2);

    /// <summary>config.json as `runc spec` writes it: tab-indented, no trailing newline.</summary>
    public static string SerializeSpec(Spec spec) => JsonSerializer.Serialize(spec, s_tabs.Spec);

    /// <summary>The state as `runc state` prints it: two-space indent, no trailing newline.</summary>
    public static string SerializeState(State state) => JsonSerializer.Serialize(state, s_twoSpaces.State);

    /// <summary>The list as `runc list --format json` prints it: one compact line, no trailing newline.</summary>
    public static string SerializeStates(List<State> states) => JsonSerializer.Serialize(states, s_compact.ListState);

    /// <summary>Features as `runc features` prints them: four-space indent, no trailing newline.</summary>
    public static string SerializeFeatures(Features features) => JsonSerializer.Serialize(features, s_fourSpaces.Features);

    /// <summary>Reads a state file written by <see cref="SerializeState"/>.</summary>
    public static State DeserializeState(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, OciJsonContext.Default.State) ?? throw new JsonException("state is null");

    private static OciJsonContext Create(bool indented, char indentCharacter, int indentSize) =>
        new(new JsonSerializerOptions(OciJsonContext.Default.Options)
        {
            WriteIndented = indented,
            IndentCharacter = indentCharacter,
            IndentSize = indentSize,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
}
