using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Hooks;
using Berth.Runtime.Logging;
using Berth.Runtime.Processes;
using Berth.Runtime.State;

namespace Berth.Runtime;

/// <summary>An existing container in the state store and the verbs that act on it (start, kill, delete, state).</summary>
public sealed class Container(StateStore store, ContainerState state)
{
    public ContainerState State { get; } = state;

    public string Id => State.Id;

    public static Container Load(StateStore store, string id)
    {
        ContainerId.Validate(id);
        return new Container(store, store.Load(id));
    }

    public string Status
    {
        get
        {
            if (!ProcessInfo.IsAlive(State.InitPid, State.InitStartTime))
                return ContainerStatus.Stopped;
            if (File.Exists(Path.Combine(store.ContainerDir(Id), StateStore.ExecFifo)))
                return ContainerStatus.Created;
            return IsFrozen() ? ContainerStatus.Paused : ContainerStatus.Running;
        }
    }

    public Oci.Runtime.State OciState()
    {
        var status = Status;
        return new Oci.Runtime.State
        {
            OciVersion = State.Config.OciVersion ?? "",
            Id = Id,
            Pid = status == ContainerStatus.Stopped ? 0 : State.InitPid,
            Status = status,
            Bundle = State.Bundle,
            Rootfs = State.Rootfs,
            Created = Oci.Runtime.State.FormatCreated(State.Created),
            Annotations = State.Config.Annotations,
            Owner = State.Owner,
        };
    }

    /// <summary>start: lets init past the exec fifo, then runs the poststart hooks.</summary>
    public void Start(RuntimeLog log)
    {
        using var lck = ContainerLock.Acquire(store.ContainerDir(Id));
        var status = Status;
        if (status != ContainerStatus.Created)
            throw new RuntimeException($"cannot start a container that has {(status == ContainerStatus.Stopped ? "stopped" : "already been started")}");
        var fifoPath = Path.Combine(store.ContainerDir(Id), StateStore.ExecFifo);
        using (var fifo = Sys.Open(fifoPath, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK))
        {
            Span<byte> b = stackalloc byte[1];
            var deadline = Environment.TickCount64 + 10_000;
            while (true)
            {
                var n = Sys.Read(fifo.Value, b);
                if (n == 1)
                    break;
                if (!ProcessInfo.IsAlive(State.InitPid, State.InitStartTime))
                    throw new RuntimeException("cannot start a container that has stopped");
                if (Environment.TickCount64 > deadline)
                    throw new RuntimeException("start: container init did not pick up the exec fifo");
                Thread.Sleep(1);
            }
            WaitForExecve(fifo, deadline);
        }
        File.Delete(fifoPath);
        // runtime-spec 1.1: a failing poststart hook is logged as a warning; the remaining hooks
        // run and the container goes on.
        foreach (var err in HookRunner.RunAll("poststart", State.Config.Hooks?.Poststart, () => ContainerCreator.HookState(State, ContainerStatus.Running)))
            log.Warn(err);
    }

    /// <summary>
    /// Init holds the fifo's write end open, close-on-exec, until it executes the process: end of
    /// file on the read end means the process runs (or init died, which the status then shows).
    /// </summary>
    private static unsafe void WaitForExecve(UnixFd fifo, long deadline)
    {
        Span<byte> b = stackalloc byte[1];
        while (Sys.Read(fifo.Value, b) != 0)
        {
            if (Environment.TickCount64 > deadline)
                throw new RuntimeException("start: container init did not execute the process");
            var pfd = new Libc.PollFd { Fd = fifo.Value, Events = Libc.POLLIN };
            Libc.Poll(&pfd, 1, 10);
        }
    }

    /// <summary>Every process in the container's cgroup (its init's pid alone if it has none).</summary>
    public IReadOnlyList<int> Pids()
    {
        if (Status == ContainerStatus.Stopped)
            return [];
        return CgroupFor() is { } cg ? cg.GetPids() : [State.InitPid];
    }

    public void Kill(int signal, bool all)
    {
        var status = Status;
        if (status == ContainerStatus.Stopped)
            throw new RuntimeException("container not running");
        if (all && CgroupFor() is { } cg)
        {
            SignalAll(cg, signal);
            return;
        }
        Sys.Kill(State.InitPid, signal);
    }

    /// <summary>delete: refuses a live container unless forced; removes cgroup and state, then runs poststop hooks.</summary>
    public void Delete(bool force, RuntimeLog log)
    {
        using (ContainerLock.Acquire(store.ContainerDir(Id)))
        {
            var status = Status;
            if (status != ContainerStatus.Stopped)
            {
                if (!force)
                    throw new RuntimeException($"cannot delete container {Id} that is not stopped: {status}");
                KillAndWait();
            }
            if (CgroupFor() is { } cg)
            {
                SignalAll(cg, 9);
                cg.Destroy();
            }
            store.Remove(Id);
        }
        foreach (var err in HookRunner.RunAll("poststop", State.Config.Hooks?.Poststop, () => ContainerCreator.HookState(State, ContainerStatus.Stopped)))
            log.Warn(err);
    }

    private static void SignalAll(ICgroupManager cg, int signal)
    {
        foreach (var pid in cg.GetPids())
            Sys.Kill(pid, signal);
    }

    private void KillAndWait()
    {
        if (CgroupFor() is { } cg)
        {
            SignalAll(cg, 9);
            // A frozen process cannot act on SIGKILL: thaw a paused container so it dies.
            if (cg.FreezerState == FreezerState.Frozen)
                cg.Thaw();
        }
        Sys.Kill(State.InitPid, 9);
        ProcessInfo.WaitForExit(State.InitPid, TimeSpan.FromSeconds(10));
    }

    // The directories recorded at create, not a fresh resolution: a relative cgroupsPath depends on
    // the cgroup of whoever runs the runtime, which may differ between create and delete.
    private ICgroupManager? CgroupFor()
    {
        var paths = State.CgroupPaths;
        if (paths.Count == 0)
            return null;
        var path = State.Config.Linux?.CgroupsPath ?? "";
        return paths.Count == 1 && paths.TryGetValue("", out var unified)
            ? new Cgroups.V2.V2Manager(path, unified)
            : new Cgroups.V1.V1Manager(path, paths);
    }

    private bool IsFrozen()
    {
        try
        {
            return CgroupFor()?.FreezerState == FreezerState.Frozen;
        }
        catch (Exception e) when (e is CgroupException or IOException)
        {
            return false;
        }
    }

    /// <summary>pause: freezes every process of a running container (v1 freezer, v2 cgroup.freeze).</summary>
    public void Pause()
    {
        using var lck = ContainerLock.Acquire(store.ContainerDir(Id));
        var status = Status;
        if (status == ContainerStatus.Paused)
            throw new RuntimeException($"container {Id} is already paused");
        if (status != ContainerStatus.Running)
            throw new RuntimeException($"container {Id} is not running: {status}");
        (CgroupFor() ?? throw new RuntimeException($"container {Id} has no cgroup to freeze")).Freeze();
    }

    /// <summary>resume: thaws a paused container.</summary>
    public void Resume()
    {
        using var lck = ContainerLock.Acquire(store.ContainerDir(Id));
        var status = Status;
        if (status != ContainerStatus.Paused)
            throw new RuntimeException($"container {Id} is not paused: {status}");
        CgroupFor()!.Thaw();
    }

    /// <summary>update: applies new limits live and records them in the container's state.</summary>
    public void Update(LinuxResources resources)
    {
        using var lck = ContainerLock.Acquire(store.ContainerDir(Id));
        var status = Status;
        if (status == ContainerStatus.Stopped)
            throw new RuntimeException($"container {Id} is not running: {status}");
        var cg = CgroupFor() ?? throw new RuntimeException($"container {Id} has no cgroup to update");
        cg.Apply(resources);
        var linux = State.Config.Linux ??= new Oci.Runtime.Linux();
        linux.Resources = ResourceMerge.Merge(linux.Resources, resources);
        State.SetConfig(State.Config);
        store.Save(State);
    }

    /// <summary>The counters of <c>events --stats</c>.</summary>
    public Cgroups.Stats.CgroupStats Stats()
    {
        if (Status == ContainerStatus.Stopped)
            throw new RuntimeException($"container {Id} is not running");
        return (CgroupFor() ?? throw new RuntimeException($"container {Id} has no cgroup")).GetStats();
    }

    /// <summary>The container's cgroup, for OOM notifications.</summary>
    public ICgroupManager? Cgroup => CgroupFor();
}
