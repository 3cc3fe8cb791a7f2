using Berth.Oci.Runtime;

namespace Berth.Runtime;

/// <summary>The flags of <c>exec</c>, as runc names them, once turned into a process.</summary>
public sealed class ExecOptions
{
    public required Process Process { get; init; }

    public string? ConsoleSocket { get; init; }

    public string? PidFile { get; init; }

    public bool Detach { get; init; }

    public int PreserveFds { get; init; }
}
