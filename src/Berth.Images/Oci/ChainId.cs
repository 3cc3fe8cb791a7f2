using System.Text;
using Berth.Images.Content;

namespace Berth.Images.Oci;

/// <summary>
/// Chain IDs name a stack of layers (image-spec config.md, "Layer ChainID"):
/// ChainID(L0) = DiffID(L0), ChainID(L0|…|Ln) = sha256(ChainID(L0|…|Ln-1) + " " + DiffID(Ln)).
/// The snapshotter keys unpacked layers by them, so identical stacks are shared between images.
/// </summary>
public static class ChainId
{
    /// <summary>The chain ID of the whole stack.</summary>
    public static Digest Of(IReadOnlyList<Digest> diffIds) =>
        diffIds.Count > 0 ? Chain(diffIds)[^1] : throw new ArgumentException("a chain needs at least one diff id", nameof(diffIds));

    /// <summary>The chain ID of every prefix of the stack: element i names layers 0 to i.</summary>
    public static IReadOnlyList<Digest> Chain(IReadOnlyList<Digest> diffIds)
    {
        var chain = new Digest[diffIds.Count];
        for (var i = 0; i < diffIds.Count; i++)
            chain[i] = i == 0 ? diffIds[0] : Digest.Compute(Encoding.UTF8.GetBytes($"{chain[i - 1]} {diffIds[i]}"));
        return chain;
    }
}
