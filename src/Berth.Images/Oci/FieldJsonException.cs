using System.Text.Json;

namespace Berth.Images.Oci;

/// <summary>A field rejected by one of Berth's converters, whose message is already in Berth's wording.</summary>
internal sealed class FieldJsonException(string message) : JsonException(message)
{
}
