using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Hooks;
using Berth.Runtime.Init;
using Berth.Runtime.Logging;
using Berth.Runtime.Processes;
using Berth.Runtime.Seccomp;
using Berth.Runtime.State;

namespace Berth.Runtime;

/// <summary>
/// <c>create</c>: claims the id, makes the cgroup and the exec fifo, starts init from a sealed
/// copy of this binary and drives it through the init pipe until it waits for <c>start</c>.
/// Whatever fails, nothing stays behind: no state dir, cgroup, mount (they live in the dying
/// mount namespace) or process.
/// </summary>
public sealed class ContainerCreator(StateStore store, RuntimeLog log)
{
    public Container Create(CreateOptions options)
    {
        log.DebugLine($"create {options.Id}");
        ContainerId.Validate(options.Id);
        var bundle = Path.GetFullPath(options.Bundle);
        var spec = SpecLoader.Load(bundle, out var specJson);
        if (spec.Process is null)
            throw new RuntimeException("config.json: process: is required to create a container");
        var rootfs = ResolveRootfs(spec, bundle);
        var bootstrap = Bootstrap.FromSpec(spec);
        // A bad profile fails create, before anything exists (SEC-SCMP-5).
        var seccomp = CompileSeccomp(spec, log);

        var dir = store.Claim(options.Id);
        using var lck = ContainerLock.Acquire(dir);
        ICgroupManager? cgroup = null;
        Launch? launch = null;
        try
        {
            cgroup = CgroupManagerFactory.Create(spec.Linux?.CgroupsPath, options.Id, CgroupMounts.Load());
            cgroup.Create();
            if (spec.Linux?.Resources is { } resources)
                cgroup.Apply(resources);
            cgroup.ApplyDevices(DeviceRules.For(spec));
            log.DebugLine("cgroup created");
            bootstrap.JoinCgroups(cgroup.Paths);
            cgroup.Paths.TryGetValue("", out var unifiedDir);
            using (var fifo = Launch.MakeExecFifo(dir))
                launch = Launch.Start(fifo, options.ConsoleSocket, options.PreserveFds, unifiedDir, log);
            log.DebugLine($"init started, pid {launch.FirstPid}");
            bootstrap.WriteTo(launch.Pipe, log.Debug);
            launch.FinishCgroupPlacement(unifiedDir);
            log.DebugLine("init placed in its cgroup");
            var state = Drive(launch, options, spec, specJson, bundle, rootfs, bootstrap, cgroup, seccomp);
            if (options.PidFile is { } pidFile)
                AtomicFile.Write(Path.GetFullPath(pidFile), Encoding.ASCII.GetBytes(state.InitPid.ToString(CultureInfo.InvariantCulture)), 0b110_100_100, durable: false);
            launch.Dispose();
            return new Container(store, state);
        }
        catch
        {
            launch?.Abort();
            TryDestroy(cgroup);
            store.Remove(options.Id);
            throw;
        }
    }

    private ContainerState Drive(Launch launch, CreateOptions options, Spec spec, byte[] specJson, string bundle, string rootfs, Bootstrap bootstrap, ICgroupManager cgroup, SeccompProgram? seccomp)
    {
        var state = new ContainerState
        {
            Id = options.Id,
            Bundle = bundle,
            Rootfs = rootfs,
            Created = DateTime.UtcNow,
            // As runc: the name of the user who created the container.
            Owner = Libc.Geteuid() == 0 ? "root" : Environment.UserName,
            CgroupPaths = new Dictionary<string, string>(cgroup.Paths),
            Config = spec,
            ConfigJson = specJson,
        };
        while (true)
        {
            var msg = launch.Pipe.Receive() ?? throw launch.Died();
            switch (msg.Type)
            {
                case InitPipe.SyncUserMap:
                    WriteIdMaps(BitConverter.ToInt32(msg.Payload), bootstrap);
                    launch.Pipe.Send(InitPipe.SyncUserMapAck);
                    break;
                case InitPipe.SyncPid:
                    var stage1 = BitConverter.ToInt32(msg.Payload, 0);
                    launch.InitPid = BitConverter.ToInt32(msg.Payload, 4);
                    if (stage1 != launch.InitPid)
                        Sys.WaitPid(stage1);
                    state.InitPid = launch.InitPid;
                    state.InitStartTime = ProcessInfo.StartTime(launch.InitPid) ?? 0;
                    SendConfig(launch, options, spec, bundle, rootfs, bootstrap, seccomp, log.Debug);
                    break;
                case InitPipe.MsgHooks:
                    // As crun and the conformance suite read the spec: by the time hooks see the
                    // state, the container's environment exists, so it reads "created".
                    var hookState = HookState(state, ContainerStatus.Created);
                    HookRunner.Run("prestart", spec.Hooks?.Prestart, hookState);
                    HookRunner.Run("createRuntime", spec.Hooks?.CreateRuntime, hookState);
                    launch.Pipe.Send(InitPipe.MsgHooksDone, Encoding.UTF8.GetBytes(hookState));
                    break;
                case InitPipe.MsgReady:
                    RecordNamespaces(state);
                    store.Save(state);
                    log.DebugLine("state saved");
                    return state;
                case InitPipe.MsgError:
                    throw new RuntimeException(Encoding.UTF8.GetString(msg.Payload));
                default:
                    throw new RuntimeException($"init pipe: unexpected message {msg.Type}");
            }
        }
    }

    private static void SendConfig(Launch launch, CreateOptions options, Spec spec, string bundle, string rootfs, Bootstrap bootstrap, SeccompProgram? seccomp, bool debug)
    {
        var config = new InitConfig
        {
            Id = options.Id,
            Bundle = bundle,
            Rootfs = rootfs,
            Config = spec,
            NoPivot = options.NoPivot,
            NoNewKeyring = options.NoNewKeyring,
            PreserveFds = options.PreserveFds,
            FifoFd = launch.ChildFifoFd,
            ConsoleSocketFd = launch.ChildConsoleFd,
            LogFd = launch.ChildLogFd,
            Debug = debug,
            SeccompFilter = seccomp?.Filter,
            SeccompFlags = seccomp?.Flags ?? 0,
            InUserNamespace = bootstrap.NewUserNamespace || bootstrap.JoinsUserNamespace,
            NewMountNamespace = bootstrap.NewMountNamespace,
            NewCgroupNamespace = (bootstrap.CloneFlags & CloneFlags.CLONE_NEWCGROUP) != 0,
        };
        launch.Pipe.Send(InitPipe.MsgConfig, InitConfigCodec.Encode(config));
    }

    /// <summary>Compiles linux.seccomp in the runtime's own mount namespace (libseccomp is never loaded inside the container).</summary>
    public static SeccompProgram? CompileSeccomp(Spec spec, RuntimeLog log)
    {
        if (spec.Linux?.Seccomp is not { } profile)
            return null;
        var program = SeccompCompiler.Compile(profile);
        foreach (var warning in program.Warnings)
            log.Warn(warning);
        return program;
    }

    public static string HookState(ContainerState state, string status) =>
        JsonSerializer.Serialize(new Oci.Runtime.State
        {
            OciVersion = state.Config.OciVersion ?? "",
            Id = state.Id,
            Status = status,
            Pid = state.InitPid,
            Bundle = state.Bundle,
            Annotations = state.Config.Annotations,
        }, OciJsonContext.Default.State);

    private static void WriteIdMaps(int pid, Bootstrap bootstrap)
    {
        if (bootstrap.UidMap is { } uid)
            File.WriteAllText($"/proc/{pid}/uid_map", uid);
        if (bootstrap.GidMap is { } gid)
            File.WriteAllText($"/proc/{pid}/gid_map", gid);
    }

    private static void RecordNamespaces(ContainerState state)
    {
        foreach (var ns in new[] { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" })
            state.NamespacePaths[ns] = $"/proc/{state.InitPid}/ns/{ns}";
    }

    private static string ResolveRootfs(Spec spec, string bundle)
    {
        var path = spec.Root?.Path ?? throw new RuntimeException("config.json: root.path: is required");
        var full = Path.GetFullPath(Path.Combine(bundle, path));
        if (!Directory.Exists(full))
            throw new RuntimeException($"config.json: root.path: rootfs ({full}) does not exist");
        // Symlinks anywhere in the rootfs path are resolved once, here: mounts are made relative
        // to the real directory, and pivot_root needs a mount point, not a link.
        return Sys.RealPath(full);
    }

    private static void TryDestroy(ICgroupManager? cgroup)
    {
        try
        {
            cgroup?.Destroy();
        }
        catch (Exception e) when (e is CgroupException or IOException)
        {
        }
    }
}
