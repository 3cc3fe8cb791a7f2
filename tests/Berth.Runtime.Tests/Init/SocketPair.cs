using Berth.Linux;
using Berth.Runtime.Init;

namespace Berth.Runtime.Tests.Init;

/// <summary>A real AF_UNIX stream socketpair, as the init pipe is, with an <see cref="InitPipe"/> on each end.</summary>
internal sealed class SocketPair : IDisposable
{
    public SocketPair()
    {
        (ParentFd, ChildFd) = Sys.SocketPair();
        Parent = new InitPipe(ParentFd.Value);
        Child = new InitPipe(ChildFd.Value);
    }

    public UnixFd ParentFd { get; }

    public UnixFd ChildFd { get; }

    public InitPipe Parent { get; }

    public InitPipe Child { get; }

    /// <summary>Everything the child end can read until the parent end is closed.</summary>
    public byte[] DrainChild()
    {
        ParentFd.Dispose();
        var all = new MemoryStream();
        var buf = new byte[4096];
        int n;
        while ((n = Sys.Read(ChildFd.Value, buf)) > 0)
            all.Write(buf, 0, n);
        return all.ToArray();
    }

    public void Dispose()
    {
        ParentFd.Dispose();
        ChildFd.Dispose();
    }
}
