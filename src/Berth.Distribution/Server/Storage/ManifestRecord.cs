using Berth.Images.Content;

namespace Berth.Distribution.Server.Storage;

/// <summary>A manifest stored in a repository: what the referrers API and GET need without reading its bytes.</summary>
public sealed record ManifestRecord(
    Digest Digest,
    string MediaType,
    long Size,
    string? ArtifactType,
    Digest? Subject,
    string? AnnotationsJson);
