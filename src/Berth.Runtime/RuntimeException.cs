namespace Berth.Runtime;

/// <summary>A runtime operation that failed for a reason the user can act on; the message is printed as is.</summary>
public class RuntimeException : Exception
{
    public RuntimeException(string message)
        : base(message)
    {
    }

    public RuntimeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The container does not exist (runc: "container does not exist").</summary>
public sealed class ContainerNotFoundException(string id) : RuntimeException($"container {id} does not exist")
{
}
