using System.Text.Json.Serialization;

namespace Berth.Distribution.Protocol;

/// <summary>Source-generated JSON for the protocol's own documents (NativeAOT has no reflection serializer).</summary>
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(Catalog))]
[JsonSerializable(typeof(string))]
public sealed partial class ProtocolJson : JsonSerializerContext
{
}
