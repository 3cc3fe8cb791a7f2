using System.Globalization;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Cgroups.Oom;

/// <summary>
/// cgroup v1 OOM notification (Documentation/admin-guide/cgroup-v1/memory.rst, "Memory thresholds" and
/// "OOM Control"): writing "&lt;eventfd&gt; &lt;fd of memory.oom_control&gt;" to cgroup.event_control makes the
/// kernel signal the eventfd each time the cgroup hits its limit and the OOM path runs. The kernel
/// also signals it when the cgroup is removed, which is told apart by cgroup.event_control being gone.
/// </summary>
internal sealed class V1OomNotifier : OomNotifier
{
    private const int PollSliceMilliseconds = 100;

    private readonly ICgroupFileSystem _fs;
    private readonly string _oomControl;
    private readonly string _eventControl;
    private readonly UnixFd _eventFd;
    private readonly UnixFd _oomControlFd;

    public V1OomNotifier(ICgroupFileSystem fs, string memoryDirectory)
    {
        _fs = fs;
        _oomControl = CgroupDirectoryPath.Join(memoryDirectory, "memory.oom_control");
        _eventControl = CgroupDirectoryPath.Join(memoryDirectory, "cgroup.event_control");
        try
        {
            _oomControlFd = Sys.Open(_oomControl, OpenFlags.O_RDONLY);
            _eventFd = EventFd.Create();
        }
        catch (LinuxException e)
        {
            _oomControlFd?.Dispose();
            throw new CgroupException("open", _oomControl, e.Errno, e);
        }

        try
        {
            _fs.WriteFile(_eventControl, string.Create(CultureInfo.InvariantCulture, $"{_eventFd.Value} {_oomControlFd.Value}"));
        }
        catch
        {
            _eventFd.Dispose();
            _oomControlFd.Dispose();
            throw;
        }
    }

    public override ulong OomKillCount => ReadOomKill(_fs, _oomControl);

    public override OomEvent? WaitForEvent(CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!EventFd.WaitReadable(_eventFd.Value, PollSliceMilliseconds) || !EventFd.TryRead(_eventFd.Value, out _))
                continue;
            if (!_fs.Exists(_eventControl))
                return null;
            return new OomEvent(ReadOomKillOrZero());
        }

        return null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _eventFd.Dispose();
            _oomControlFd.Dispose();
        }
    }

    private ulong ReadOomKillOrZero()
    {
        try
        {
            return OomKillCount;
        }
        catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT)
        {
            return 0;
        }
    }
}
