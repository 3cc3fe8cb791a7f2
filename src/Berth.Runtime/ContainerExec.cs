using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Init;
using Berth.Runtime.Logging;
using Berth.Runtime.Processes;
using Berth.Runtime.State;

namespace Berth.Runtime;

/// <summary>
/// <c>exec</c>: a new process in a running container. The same init binary and constructor join
/// every namespace of the container's init (setns) and its cgroups, then the last mile applies
/// the process's user, capabilities and limits. The exit status is the process's.
/// </summary>
public sealed class ContainerExec(RuntimeLog log)
{
    private static readonly Dictionary<string, string> ProcNames = new(StringComparer.Ordinal)
    {
        [NamespaceTypes.Pid] = "pid",
        [NamespaceTypes.Network] = "net",
        [NamespaceTypes.Mount] = "mnt",
        [NamespaceTypes.Ipc] = "ipc",
        [NamespaceTypes.Uts] = "uts",
        [NamespaceTypes.User] = "user",
        [NamespaceTypes.Cgroup] = "cgroup",
        [NamespaceTypes.Time] = "time",
    };

    public int Exec(Container container, ExecOptions options)
    {
        var status = container.Status;
        if (status is ContainerStatus.Stopped)
            throw new RuntimeException("cannot exec in a stopped container");
        if (status is ContainerStatus.Paused)
            throw new RuntimeException("cannot exec in a paused container");
        if (options.Process.Args is not { Count: > 0 })
            throw new RuntimeException("exec: process.args: must not be empty");

        var state = container.State;
        // The exec'd process lives under the container's seccomp profile too.
        var seccomp = ContainerCreator.CompileSeccomp(state.Config, log);
        var bootstrap = JoinPlan(state);
        bootstrap.JoinCgroups(state.CgroupPaths);
        state.CgroupPaths.TryGetValue("", out var unifiedDir);

        Libc.Prctl(Prctl.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        var launch = Launch.Start(null, options.ConsoleSocket, options.PreserveFds, unifiedDir, log);
        try
        {
            bootstrap.WriteTo(launch.Pipe, log.Debug);
            launch.FinishCgroupPlacement(unifiedDir);
            var pid = Drive(launch, state, options, seccomp);
            if (options.PidFile is { } pidFile)
                AtomicFile.Write(Path.GetFullPath(pidFile), Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture)), 0b110_100_100, durable: false);
            launch.Dispose();
            if (options.Detach)
                return 0;
            using var forward = ContainerRunner.ForwardSignals(pid);
            return Sys.ExitCode(Sys.WaitPid(pid));
        }
        catch
        {
            launch.Abort();
            throw;
        }
    }

    /// <summary>Every namespace the container has of its own is joined through its init's /proc entry.</summary>
    private static Bootstrap JoinPlan(ContainerState state)
    {
        var namespaces = new List<LinuxNamespace>();
        foreach (var ns in state.Config.Linux?.Namespaces ?? [])
        {
            var path = string.IsNullOrEmpty(ns.Path) ? $"/proc/{state.InitPid}/ns/{ProcNames[ns.Type]}" : ns.Path;
            namespaces.Add(new LinuxNamespace { Type = ns.Type, Path = path });
        }
        return Bootstrap.FromSpec(new Spec { Linux = new Oci.Runtime.Linux { Namespaces = namespaces } });
    }

    private static int Drive(Launch launch, ContainerState state, ExecOptions options, Seccomp.SeccompProgram? seccomp)
    {
        while (true)
        {
            var msg = launch.Pipe.Receive() ?? throw launch.Died();
            switch (msg.Type)
            {
                case InitPipe.SyncPid:
                    var stage1 = BitConverter.ToInt32(msg.Payload, 0);
                    launch.InitPid = BitConverter.ToInt32(msg.Payload, 4);
                    if (stage1 != launch.InitPid)
                        Sys.WaitPid(stage1);
                    var config = new InitConfig
                    {
                        Id = state.Id,
                        Bundle = state.Bundle,
                        Config = new Spec { OciVersion = state.Config.OciVersion, Process = options.Process },
                        Exec = true,
                        PreserveFds = options.PreserveFds,
                        ConsoleSocketFd = launch.ChildConsoleFd,
                        LogFd = launch.ChildLogFd,
                        SeccompFilter = seccomp?.Filter,
                        SeccompFlags = seccomp?.Flags ?? 0,
                    };
                    launch.Pipe.Send(InitPipe.MsgConfig, InitConfigCodec.Encode(config));
                    break;
                case InitPipe.MsgReady:
                    return launch.InitPid;
                case InitPipe.MsgError:
                    throw new RuntimeException(Encoding.UTF8.GetString(msg.Payload));
                default:
                    throw new RuntimeException($"init pipe: unexpected message {msg.Type}");
            }
        }
    }
}
