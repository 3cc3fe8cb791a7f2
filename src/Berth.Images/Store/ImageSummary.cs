using Berth.Images.Content;

namespace Berth.Images.Store;

/// <summary>One row of <c>image ls</c>: a name, the image it points at, and how big that image is.</summary>
/// <param name="Size">Unpacked size when the layers are unpacked (what docker prints), else the stored blobs' size.</param>
public sealed record ImageSummary(string Name, Digest Id, Digest Target, DateTimeOffset? Created, long Size, bool Unpacked);
