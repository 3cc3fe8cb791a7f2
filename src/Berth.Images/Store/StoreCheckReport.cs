namespace Berth.Images.Store;

/// <summary>What <see cref="StoreCheck.Run"/> found and did.</summary>
/// <param name="Problems">What is still wrong, one line each (after repair, what repair could not fix).</param>
/// <param name="Repaired">What repair removed or fixed, one line each; empty without repair.</param>
public sealed record StoreCheckReport(IReadOnlyList<string> Problems, IReadOnlyList<string> Repaired)
{
    public bool Clean => Problems.Count == 0;
}
