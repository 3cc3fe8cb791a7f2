using Berth.Images.Content;

namespace Berth.Images.Metadata;

/// <summary>
/// A named image: a full reference (<c>docker.io/library/busybox:latest</c>, or <c>name@digest</c>)
/// pointing at a manifest or index in the content store, described as an OCI descriptor is.
/// </summary>
public sealed record ImageRecord(
    string Name,
    Digest Target,
    string MediaType,
    long Size,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    IReadOnlyDictionary<string, string> Labels);
