using System.Text.Json.Nodes;
using Berth.Runtime.DropInTests.Harness;
using Xunit;

namespace Berth.Runtime.DropInTests;

/// <summary>
/// containerd 1.6 with its own config (root, state, gRPC/ttrpc sockets under the sandbox, CRI plugin
/// disabled), the image imported with <c>ctr image import</c>, containers run by the stock
/// containerd-shim-runc-v2 with berth-runtime as its runc: through <c>ctr run --runc-binary</c> (the runc
/// v2 shim's <c>BinaryName</c> option) and through plain <c>runc</c> on containerd's PATH being
/// berth-runtime. <c>--runc-root</c> (the shim's <c>Root</c> option) keeps the runtime state in the
/// sandbox: the shim runs <c>RUNTIME --root RUNC_ROOT/NAMESPACE --log BUNDLE/log.json --log-format json</c>.
/// </summary>
public sealed class ContainerdFixture : EngineFixture
{
    protected override string EngineName => "ctd";

    public string Socket { get; private set; } = "";
    public string RuncRoot { get; private set; } = "";
    public string Namespace { get; private set; } = "";
    public string StateDir { get; private set; } = "";

    /// <summary>berth-runtime's --root as the shim passes it.</summary>
    public string BerthRoot => Path.Combine(RuncRoot, Namespace);

    public string Ctr { get; } = Cmd.Which("ctr") ?? "ctr";

    public string BundleDir(string id) => Path.Combine(StateDir, "io.containerd.runtime.v2.task", Namespace, id);

    protected override void Start(Sandbox s)
    {
        Socket = Path.Combine(s.Dir, "containerd.sock");
        RuncRoot = Path.Combine(s.Dir, "runc-root");
        StateDir = Path.Combine(s.Dir, "state");
        Namespace = s.Name;  // also the cgroup parent: ctr puts a container in /NAMESPACE/ID
        var config = Path.Combine(s.Dir, "containerd.toml");
        File.WriteAllText(config, $"""
            version = 2
            root = "{s.Dir}/root"
            state = "{StateDir}"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Socket}"
            [ttrpc]
              address = "{Socket}.ttrpc"
            [debug]
              address = "{s.Dir}/debug.sock"
              level = "info"
            [metrics]
              address = ""
            """);

        // runc on containerd's PATH (inherited by the shims) is berth-runtime: the "replace runc" drop-in.
        var pathDir = Directory.CreateDirectory(Path.Combine(s.Dir, "path")).FullName;
        File.CreateSymbolicLink(Path.Combine(pathDir, "runc"), s.Runtime);
        var env = new Dictionary<string, string> { ["PATH"] = pathDir + ":" + Environment.GetEnvironmentVariable("PATH") };

        var log = Path.Combine(s.Dir, "containerd.log");
        var daemon = s.StartDaemon(Cmd.Which("containerd") ?? "containerd", ["--config", config], log, env);
        s.WaitReady(daemon, log, () => CtlNow(["version"]).ExitCode == 0, TimeSpan.FromSeconds(30));
        s.BeforeStop(RemoveAll);

        var archive = BusyboxImage.Write(Path.Combine(s.Dir, "busybox.tar"));
        Expect(CtlNow(["image", "import", archive], TimeSpan.FromSeconds(120)));
    }

    /// <summary>ctr -a SOCKET -n NAMESPACE ARGS (starts containerd on first use).</summary>
    public CmdResult Ctl(IEnumerable<string> args)
    {
        _ = Sandbox;
        return CtlNow(args);
    }

    private CmdResult CtlNow(IEnumerable<string> args, TimeSpan? timeout = null) =>
        Cmd.Run(Ctr, ["-a", Socket, "-n", Namespace, .. args], Current.Scratch, timeout: timeout);

    /// <summary>Ends every task (SIGKILL), deletes it and its container, then any berth state left.</summary>
    private void RemoveAll()
    {
        foreach (var id in Lines(CtlNow(["task", "ls", "-q"]).Stdout))
        {
            CtlNow(["task", "kill", "-s", "SIGKILL", id]);
            EngineFixture.Eventually(() => !CtlNow(["task", "ls"]).Stdout.Contains(id + " ", StringComparison.Ordinal) ||
                CtlNow(["task", "ls"]).Stdout.Split('\n').Any(l => l.StartsWith(id + " ", StringComparison.Ordinal) && l.Contains("STOPPED", StringComparison.Ordinal)), TimeSpan.FromSeconds(5));
            CtlNow(["task", "delete", "--force", id]);
        }

        foreach (var id in Lines(CtlNow(["container", "ls", "-q"]).Stdout))
        {
            CtlNow(["container", "rm", id]);
        }

        if (Directory.Exists(BerthRoot))
        {
            foreach (var dir in Directory.EnumerateDirectories(BerthRoot))
            {
                Current.Run(Current.Runtime, ["--root", BerthRoot, "delete", "--force", Path.GetFileName(dir)]);
            }
        }
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class ContainerdTests(ContainerdFixture f) : IClassFixture<ContainerdFixture>
{
    private const string Gated = "echo hello-from-berth; while [ ! -e /gate/go ]; do sleep 0.05; done; exit 7";

    [EngineFact("containerd", "ctr", "containerd-shim-runc-v2")]
    public void RunRm_WithRuncBinary_PrintsOutputAndReturnsExitCode_UnderBerth() =>
        GatedRunRm("rm-binary", ["--runc-binary", f.Sandbox.Runtime]);

    [EngineFact("containerd", "ctr", "containerd-shim-runc-v2")]
    public void RunRm_WithBerthAsRuncOnPath_NeedsNoRuntimeFlag() =>
        GatedRunRm("rm-path", []);

    /// <summary>ctr run --rm, the container held at a gate (a bind-mounted dir) until the test has
    /// seen it in <c>berth-runtime list</c> under the shim's root: proof that berth-runtime made it.</summary>
    private void GatedRunRm(string id, string[] runtimeArgs)
    {
        var s = f.Sandbox;
        var gate = Directory.CreateDirectory(Path.Combine(s.Dir, "gate-" + id)).FullName;
        using var run = Cmd.Start(f.Ctr,
            ["-a", f.Socket, "-n", f.Namespace, "run", "--rm", .. runtimeArgs, "--runc-root", f.RuncRoot,
             "--mount", $"type=bind,src={gate},dst=/gate,options=rbind:rw",
             BusyboxImage.Reference, id, "/bin/sh", "-c", Gated], s.Scratch);

        var seen = EngineFixture.Eventually(() => Directory.Exists(f.BerthRoot) &&
            s.BerthList(f.BerthRoot).Any(c => c.Id == id && c.Status == "running" && c.Pid > 0), TimeSpan.FromSeconds(30));
        s.KeepCopy(Path.Combine(f.BundleDir(id), "config.json"), $"ctr-{id}-config.json");
        s.KeepCopy(Path.Combine(f.BundleDir(id), "options.json"), $"ctr-{id}-options.json");
        File.WriteAllText(Path.Combine(gate, "go"), "");
        var r = run.Wait(TimeSpan.FromSeconds(60));

        Assert.True(seen, $"container {id} never showed up running in `berth-runtime --root {f.BerthRoot} list`\n{r}");
        Assert.Equal(7, r.ExitCode);
        Assert.Contains("hello-from-berth", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(s.BerthList(f.BerthRoot), c => c.Id == id);
        Assert.DoesNotContain(id, f.Ctl(["container", "ls", "-q"]).Stdout, StringComparison.Ordinal);
    }

    [EngineFact("containerd", "ctr", "containerd-shim-runc-v2")]
    public void Detached_ExecPsPauseResumeKillDeleteRm()
    {
        var s = f.Sandbox;
        const string id = "detached";
        var log = Path.Combine(s.Keep, "ctr-detached-stdio.log");
        f.Expect(f.Ctl(["run", "-d", "--runtime", "io.containerd.runc.v2", "--runc-binary", s.Runtime, "--runc-root", f.RuncRoot,
            "--log-uri", "file://" + log, BusyboxImage.Reference, id,
            "/bin/sh", "-c", "trap 'echo got-term; exit 0' TERM; echo started; while :; do sleep 0.1; done"]));
        s.KeepCopy(Path.Combine(f.BundleDir(id), "config.json"), "ctr-detached-config.json");

        // The runc v2 shim was given berth-runtime as BinaryName, and berth-runtime holds the state.
        var options = JsonNode.Parse(File.ReadAllText(Path.Combine(f.BundleDir(id), "options.json")))!;
        Assert.Equal(s.Runtime, (string?)options["binary_name"]);
        var task = f.Expect(f.Ctl(["task", "ls"])).Stdout.Split('\n').Single(l => l.StartsWith(id + " ", StringComparison.Ordinal));
        var taskPid = int.Parse(task.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.Contains((id, taskPid, "running"), s.BerthList(f.BerthRoot));
        Assert.True(EngineFixture.Eventually(() => Cmd.ReadText(log).Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no output from the container in " + log);

        // exec: output and exit status of the exec'd process come back through the shim.
        var exec = f.Expect(f.Ctl(["task", "exec", "--exec-id", "e1", id, "/bin/sh", "-c", "echo exec-ok; cat /proc/1/cmdline; exit 3"]), 3);
        Assert.Contains("exec-ok", exec.Stdout, StringComparison.Ordinal);
        Assert.Contains("while", exec.Stdout, StringComparison.Ordinal);

        // ps goes through `RUNTIME ps --format json`.
        Assert.Contains(taskPid.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Expect(f.Ctl(["task", "ps", id])).Stdout, StringComparison.Ordinal);

        f.Expect(f.Ctl(["task", "pause", id]));
        Assert.Contains("PAUSED", TaskLine(id), StringComparison.Ordinal);
        Assert.Contains((id, taskPid, "paused"), s.BerthList(f.BerthRoot));
        f.Expect(f.Ctl(["task", "resume", id]));
        Assert.Contains("RUNNING", TaskLine(id), StringComparison.Ordinal);

        f.Expect(f.Ctl(["task", "metrics", id]));

        // kill (SIGTERM, which the trap turns into exit 0), delete, container rm.
        f.Expect(f.Ctl(["task", "kill", id]));
        Assert.True(EngineFixture.Eventually(() => TaskLine(id).Contains("STOPPED", StringComparison.Ordinal), TimeSpan.FromSeconds(15)),
            "task did not stop after SIGTERM: " + TaskLine(id));
        var delete = f.Expect(f.Ctl(["task", "delete", id]));
        Assert.DoesNotContain("non-zero exit code", delete.Stderr, StringComparison.Ordinal);
        Assert.Contains("got-term", Cmd.ReadText(log), StringComparison.Ordinal);
        f.Expect(f.Ctl(["container", "rm", id]));
        Assert.DoesNotContain(s.BerthList(f.BerthRoot), c => c.Id == id);
        Assert.False(Directory.Exists(f.BundleDir(id)), "bundle left behind");
    }

    [EngineFact("containerd", "ctr", "containerd-shim-runc-v2")]
    public void Run_MissingExecutable_SurfacesBerthErrorThroughTheShim()
    {
        var s = f.Sandbox;
        var r = f.Expect(f.Ctl(["run", "--rm", "--runc-binary", s.Runtime, "--runc-root", f.RuncRoot,
            BusyboxImage.Reference, "missing", "/nonexistent"]), 1);
        // The shim reads berth-runtime's --log (json) for the message, as it does runc's.
        Assert.Contains("OCI runtime create failed", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("/nonexistent", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such file or directory", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("missing", f.Ctl(["container", "ls", "-q"]).Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(s.BerthList(f.BerthRoot), c => c.Id == "missing");
    }

    private string TaskLine(string id) =>
        f.Ctl(["task", "ls"]).Stdout.Split('\n').FirstOrDefault(l => l.StartsWith(id + " ", StringComparison.Ordinal)) ?? "";
}
