using Berth.Images.Oci;
using Berth.Images.Store;

namespace Berth.Distribution.Client.Pull;

/// <summary>What a pull left in the store: the name registered, what it points at, and whether anything was new.</summary>
public sealed record PullResult(string Name, Descriptor Target, ResolvedImage Image, bool Updated);
