using System.Text.Json.Serialization;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Credentials;
using Berth.Distribution.Client.Errors;

namespace Berth.Distribution.Client;

/// <summary>Source-generated JSON for the client's own documents (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(HelperCredential))]
[JsonSerializable(typeof(DaemonConfig))]
internal sealed partial class ClientJson : JsonSerializerContext
{
}
