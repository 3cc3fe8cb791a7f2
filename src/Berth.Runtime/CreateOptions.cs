namespace Berth.Runtime;

/// <summary>The flags of <c>create</c> and <c>run</c>, as runc names them.</summary>
public sealed class CreateOptions
{
    public required string Id { get; init; }

    public required string Bundle { get; init; }

    public string? ConsoleSocket { get; init; }

    public string? PidFile { get; init; }

    public bool NoPivot { get; init; }

    public bool NoNewKeyring { get; init; }

    public int PreserveFds { get; init; }
}
