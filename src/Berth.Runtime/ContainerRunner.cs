using System.Runtime.InteropServices;
using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Runtime.Logging;
using Berth.Runtime.State;

namespace Berth.Runtime;

/// <summary><c>run</c>: create + start, and in the foreground wait, forward signals, delete, and exit with the container's status.</summary>
public sealed class ContainerRunner(StateStore store, RuntimeLog log)
{
    public int Run(CreateOptions options, bool detach)
    {
        // Init is started by a stage that exits; as subreaper we stay its parent and can wait for it.
        Libc.Prctl(Prctl.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        var container = new ContainerCreator(store, log).Create(options);
        try
        {
            container.Start(log);
        }
        catch
        {
            TryDelete(container);
            throw;
        }
        log.DebugLine("started");
        if (detach)
            return 0;

        var pid = container.State.InitPid;
        using var forward = ForwardSignals(pid);
        var status = Sys.WaitPid(pid);
        log.DebugLine("container exited");
        TryDelete(container);
        log.DebugLine("deleted");
        return Sys.ExitCode(status);
    }

    private void TryDelete(Container container)
    {
        try
        {
            container.Delete(force: true, log);
        }
        catch (Exception e) when (e is RuntimeException or LinuxException or IOException)
        {
            log.Warn($"delete {container.Id}: {e.Message}");
        }
    }

    public static IDisposable ForwardSignals(int pid)
    {
        var regs = new Registrations();
        foreach (var sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            regs.Add(PosixSignalRegistration.Create(sig, ctx =>
            {
                ctx.Cancel = true;
                var number = ctx.Signal switch
                {
                    PosixSignal.SIGINT => 2,
                    PosixSignal.SIGTERM => 15,
                    PosixSignal.SIGQUIT => 3,
                    PosixSignal.SIGHUP => 1,
                    _ => 15,
                };
                Sys.Kill(pid, number);
            }));
        }
        return regs;
    }

    private sealed class Registrations : List<PosixSignalRegistration>, IDisposable
    {
        public void Dispose()
        {
            foreach (var r in this)
                r.Dispose();
        }
    }
}
