using System.Text;
using System.Text.Json;
using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Hooks;
using Berth.Runtime.Rootfs;
using Berth.Runtime.State;

namespace Berth.Runtime.Init;

/// <summary>
/// The managed init stage: runs inside the container's namespaces after the C constructor
/// (native/nsexec) entered them, builds the root filesystem, waits on the exec fifo and hands
/// over to the C last mile that executes the user process.
/// </summary>
public static unsafe class ContainerInit
{
    public const string InitPipeEnv = "_BERTH_INITPIPE";
    public const string LogPipeEnv = "_BERTH_LOGPIPE";

    /// <summary>Entry point of <c>berth-runtime init</c>; returns only on failure.</summary>
    public static int Run()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(InitPipeEnv), out var pipeFd))
        {
            Console.Error.WriteLine("init: must be started by berth-runtime create");
            return 1;
        }
        var pipe = new InitPipe(pipeFd);
        var pipeOpen = true;
        try
        {
            var config = ReceiveConfig(pipe);
            InitLog.Open(config.LogFd, config.Debug);
            InitLog.Debug("config received");
            // Reached through this directory, the fifo stays reachable whatever the container's
            // root holds at /proc (nothing, without a mount namespace). Closed before exec.
            using var fdDir = Sys.Open("/proc/self/fd", OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
            if (config.Exec)
            {
                var process = PrepareExec(config);
                pipe.Send(InitPipe.MsgReady);
                Libc.Close(pipeFd);
                pipeOpen = false;
                return process.Execute();
            }
            var exec = Prepare(config, pipe);
            InitLog.Debug("ready, waiting on the exec fifo");
            pipe.Send(InitPipe.MsgReady);
            Libc.Close(pipeFd);
            pipeOpen = false;
            exec.KeepFd = WaitForStart(config, fdDir);
            if (config.Config.Hooks?.StartContainer is { Count: > 0 } startHooks)
                HookRunner.Run("startContainer", startHooks, StartHookState(config));
            return exec.Execute();
        }
        catch (Exception e) when (e is RuntimeException or LinuxException or SpecException or IOException or UnauthorizedAccessException)
        {
            if (pipeOpen)
                pipe.SendText(InitPipe.MsgError, e.Message);
            else
                Console.Error.WriteLine($"berth-runtime init: {e.Message}");
            return 1;
        }
    }

    private static InitConfig ReceiveConfig(InitPipe pipe)
    {
        var msg = pipe.Receive() ?? throw new RuntimeException("init: parent closed the init pipe");
        if (msg.Type != InitPipe.MsgConfig)
            throw new RuntimeException($"init: unexpected message {msg.Type}");
        return InitConfigCodec.Decode(msg.Payload);
    }

    /// <summary>exec: the namespaces and cgroups are the container's already; only the process is set up.</summary>
    private static ProcessExec PrepareExec(InitConfig config)
    {
        var process = config.Config.Process ?? throw new RuntimeException("exec: process: is required");
        if (process.OomScoreAdj is { } oom)
            ProcFs.Write("/proc/self/oom_score_adj", oom.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (process.Terminal == true)
        {
            if (config.ConsoleSocketFd < 0)
                throw new RuntimeException("exec: --tty needs --console-socket");
            ConsoleSetup.Setup(config.ConsoleSocketFd, process.ConsoleSize, mountConsole: false);
        }
        return ReadyToExec(config, process);
    }

    private static ProcessExec Prepare(InitConfig config, InitPipe pipe)
    {
        var spec = config.Config;
        var process = spec.Process ?? throw new RuntimeException("config.json: process: is required to start a container");
        RootfsSetup? rootfs = null;
        if (config.NewMountNamespace)
        {
            rootfs = new RootfsSetup(config);
            rootfs.Prepare();
            InitLog.Debug("rootfs mounts done");
        }

        var hookState = "";
        if (spec.Hooks is { } hooks && (hooks.Prestart?.Count > 0 || hooks.CreateRuntime?.Count > 0 || hooks.CreateContainer?.Count > 0))
        {
            pipe.Send(InitPipe.MsgHooks);
            var reply = pipe.Receive() ?? throw new RuntimeException("init: parent closed the init pipe");
            if (reply.Type != InitPipe.MsgHooksDone)
                throw new RuntimeException($"init: unexpected message {reply.Type}");
            hookState = Encoding.UTF8.GetString(reply.Payload);
            HookRunner.Run("createContainer", hooks.CreateContainer, hookState);
        }

        if (rootfs is not null)
        {
            rootfs.Finish();
            InitLog.Debug("pivot_root done");
        }
        else if (!string.IsNullOrEmpty(config.Rootfs))
        {
            Sys.Chroot(config.Rootfs);
            Sys.Chdir("/");
        }

        if (spec.Hostname is { Length: > 0 } host)
            Sys.SetHostname(host);
        if (spec.Domainname is { Length: > 0 } domain)
            Sys.SetDomainname(domain);
        foreach (var (key, value) in spec.Linux?.Sysctl ?? [])
            ProcFs.Write("/proc/sys/" + key.Replace('.', '/'), value);
        rootfs?.ApplyPathRestrictions();
        InitLog.Debug("masked and read-only paths done");
        if (process.OomScoreAdj is { } oom)
            ProcFs.Write("/proc/self/oom_score_adj", oom.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!config.NoNewKeyring && BerthNative.KeyctlJoin("_ses." + config.Id) < 0)
        {
            var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (err is not (Errno.ENOSYS or Errno.EACCES or Errno.EPERM))
                throw new LinuxException(err, "join session keyring");
        }
        if (process.Terminal == true)
        {
            if (config.ConsoleSocketFd < 0)
                throw new RuntimeException("config.json: process.terminal: set, but no --console-socket was given");
            ConsoleSetup.Setup(config.ConsoleSocketFd, process.ConsoleSize);
        }
        return ReadyToExec(config, process);
    }

    /// <summary>
    /// The user process, checked and confined as far as can be done before the last mile, so that
    /// what would fail there (a capability not held, a profile not loaded) fails create or exec.
    /// </summary>
    private static ProcessExec ReadyToExec(InitConfig config, Process process)
    {
        var path = ExecutableLookup.Find(process.Args![0], process.Env ?? []);
        var exec = new ProcessExec(process, path, 3 + config.PreserveFds, config.LogFd, config.SeccompFilter, config.SeccompFlags);
        exec.CheckCapabilitiesGrantable();
        AppArmor.ApplyOnExec(process.ApparmorProfile);
        return exec;
    }

    /// <summary>
    /// Opening the fifo for writing blocks until `start` opens it for reading. The write end stays
    /// open, close-on-exec, until the process is executed: `start` waits for it to close, so the
    /// poststart hooks run after the container's process has started, as the spec orders.
    /// </summary>
    /// <returns>The fifo's write end.</returns>
    private static int WaitForStart(InitConfig config, UnixFd fdDir)
    {
        var fifo = Sys.OpenAt(fdDir.Value, config.FifoFd.ToString(System.Globalization.CultureInfo.InvariantCulture), OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC);
        Sys.Write(fifo.Value, "0"u8, "exec fifo");
        Libc.Close(config.FifoFd);
        return fifo.Release();
    }

    private static string StartHookState(InitConfig config)
    {
        var state = new Oci.Runtime.State
        {
            OciVersion = config.Config.OciVersion ?? "",
            Id = config.Id,
            Status = ContainerStatus.Running,
            Pid = Environment.ProcessId,
            Bundle = config.Bundle,
            Annotations = config.Config.Annotations,
        };
        return JsonSerializer.Serialize(state, OciJsonContext.Default.State);
    }
}
