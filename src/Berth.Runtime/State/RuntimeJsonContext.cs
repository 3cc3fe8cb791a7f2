using System.Text.Json.Serialization;

namespace Berth.Runtime.State;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(Init.InitConfig))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext
{
}
