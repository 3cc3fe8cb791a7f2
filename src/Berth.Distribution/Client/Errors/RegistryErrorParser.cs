using System.Text.Json;
using Berth.Distribution.Protocol;

namespace Berth.Distribution.Client.Errors;

/// <summary>
/// Reads the error body of a failed registry response. Registries and proxies also answer with
/// HTML or nothing, so anything unparsable yields no errors rather than a second failure.
/// </summary>
public static class RegistryErrorParser
{
    /// <summary>Error bodies are small; a larger one is not read (a hostile peer could stream forever).</summary>
    public const int MaxBodySize = 64 << 10;

    public static IReadOnlyList<ErrorEntry> Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length == 0 || body.Length > MaxBodySize)
            return [];
        try
        {
            return JsonSerializer.Deserialize(body, ProtocolJson.Default.ErrorResponse)?.Errors ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>"manifest unknown: manifest unknown" in docker's wording (code lowercased, '_' as space), or null when there are none.</summary>
    public static string? Describe(IReadOnlyList<ErrorEntry> errors) =>
        errors.Count == 0 ? null
        : string.Join("; ", errors.Select(e =>
        {
            var code = e.Code.ToLowerInvariant().Replace('_', ' ');
            return string.IsNullOrEmpty(e.Message) ? code : $"{code}: {e.Message}";
        }));
}
