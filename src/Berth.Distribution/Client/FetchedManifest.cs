using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Client;

/// <summary>A manifest or index as fetched and verified: its bytes, the digest they hash to and its media type.</summary>
public sealed record FetchedManifest(byte[] Bytes, Digest Digest, string MediaType)
{
    public Descriptor Descriptor => new() { MediaType = MediaType, Digest = Digest, Size = Bytes.Length };
}
