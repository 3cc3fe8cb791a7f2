namespace Berth.Runtime.Cgroups.Oom;

/// <summary>
/// cgroup v2 OOM notification: memory.events counts <c>oom_kill</c> (cgroup-v2.rst, "Memory Interface
/// Files"), and an increase is an event. The file is polled, which also works on a fake tree and
/// inside a cgroup namespace where inotify on kernfs is not always delivered.
/// </summary>
internal sealed class V2OomNotifier : OomNotifier
{
    private readonly ICgroupFileSystem _fs;
    private readonly string _events;
    private ulong _seen;

    public V2OomNotifier(ICgroupFileSystem fs, string directory)
    {
        _fs = fs;
        _events = CgroupDirectoryPath.Join(directory, "memory.events");
        _seen = OomKillCount;
    }

    /// <summary>How often memory.events is read while waiting.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public override ulong OomKillCount => ReadOomKill(_fs, _events);

    public override OomEvent? WaitForEvent(CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ulong count;
            try
            {
                count = OomKillCount;
            }
            catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT)
            {
                return null;
            }

            if (count > _seen)
            {
                _seen = count;
                return new OomEvent(count);
            }

            cancellationToken.WaitHandle.WaitOne(PollInterval);
        }

        return null;
    }
}
