using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

/// <summary>
/// Source-generated serializers for the image-spec documents (no reflection: NativeAOT and trimming
/// keep working). Unknown properties are skipped, as the spec requires; a wrong type fails the
/// parse (IMG-CFG-3). Digests go through <see cref="DigestJsonConverter"/>.
/// Properties with a default other than null have setters, not init: the generator passes every
/// init-only property to the object initializer, so a field missing from the JSON would overwrite
/// the default (-1 for a size, [] for a list) with null or 0.
/// Berth stores manifests as the bytes it received and never rewrites them, so nothing here needs
/// to round-trip unknown fields.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    Converters = [typeof(DigestJsonConverter)])]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
public sealed partial class OciImageJson : JsonSerializerContext
{
}
