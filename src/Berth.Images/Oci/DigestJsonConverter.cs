using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Images.Content;

namespace Berth.Images.Oci;

/// <summary>
/// Reads digests through <see cref="Digest.TryParse"/>, so a malformed or unsupported digest fails
/// the parse, and the serializer adds the JSON path of the field to the error.
/// </summary>
public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new FieldJsonException("must be a string");
        var text = reader.GetString();
        return Digest.TryParse(text, out var digest, out var error) ? digest : throw new FieldJsonException(error);
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
