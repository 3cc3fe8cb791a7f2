using Berth.Runtime.Cgroups.V2;

namespace Berth.Runtime.Cgroups.Oom;

/// <summary>An OOM in the container's cgroup; <paramref name="OomKillCount"/> is the cgroup's total of OOM kills after it.</summary>
public sealed record OomEvent(ulong OomKillCount);

/// <summary>
/// Reports the out-of-memory events of a container's cgroup, for <c>events</c> and for the shim to
/// record an OOM-killed exit. Open it before the container can run out of memory: events from before
/// are not reported (their count still is, in <see cref="OomKillCount"/>).
/// </summary>
public abstract class OomNotifier : IDisposable
{
    /// <summary>The notifier for the manager's cgroup version: an eventfd on v1, memory.events on v2.</summary>
    public static OomNotifier Open(ICgroupManager manager, ICgroupFileSystem? fileSystem = null)
    {
        var fs = fileSystem ?? HostCgroupFileSystem.Instance;
        if (manager is V2Manager)
            return new V2OomNotifier(fs, manager.Paths[""]);
        return manager.Paths.TryGetValue("memory", out var memory)
            ? new V1OomNotifier(fs, memory)
            : throw CgroupException.Custom("watch", manager.Path, $"cgroup: watch {manager.Path} for OOM: the memory controller is not mounted on this host");
    }

    /// <summary>How many processes the kernel has OOM-killed in the cgroup so far (its <c>oom_kill</c> counter).</summary>
    public abstract ulong OomKillCount { get; }

    /// <summary>Blocks until the next OOM; null once the cgroup has been removed or <paramref name="cancellationToken"/> is cancelled.</summary>
    public abstract OomEvent? WaitForEvent(CancellationToken cancellationToken = default);

    /// <summary>The OOM events as they happen, until the cgroup is removed or the token is cancelled.</summary>
    public IEnumerable<OomEvent> Events(CancellationToken cancellationToken = default)
    {
        while (WaitForEvent(cancellationToken) is { } e)
            yield return e;
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>The <c>oom_kill</c> line of memory.oom_control (v1, Linux 4.13) or memory.events (v2); 0 when absent.</summary>
    private protected static ulong ReadOomKill(ICgroupFileSystem fs, string file) =>
        CgroupValues.ParseFlatKeyed(fs.ReadFile(file)).GetValueOrDefault("oom_kill");
}
