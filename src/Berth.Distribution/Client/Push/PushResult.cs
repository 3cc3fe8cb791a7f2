using Berth.Images.Content;

namespace Berth.Distribution.Client.Push;

/// <summary>The top manifest or index pushed: docker prints "TAG: digest: DIGEST size: SIZE".</summary>
public sealed record PushResult(string Reference, Digest Digest, long Size);
