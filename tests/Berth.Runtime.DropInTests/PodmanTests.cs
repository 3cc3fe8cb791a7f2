using Berth.Runtime.DropInTests.Harness;
using Xunit;

namespace Berth.Runtime.DropInTests;

/// <summary>
/// podman 4.3 (daemonless: podman → conmon → runtime) with its own --root, --runroot and --tmpdir,
/// its own containers.conf / storage.conf / registries.conf (CONTAINERS_* variables, so neither the host's
/// files nor a registry is read), the cgroupfs manager, file events, and <c>--runtime berth-runtime</c>.
/// The runtime keeps its default --root (/run/berth-runtime), as runc keeps /run/runc under podman:
/// <c>--runtime-flag root=…</c> would not reach the `podman container cleanup` that conmon runs when the
/// container exits (podman does not forward runtime flags into conmon's exit command), so that cleanup
/// would look for the container in the default root and state would leak. Our containers are told apart
/// there by their bundle, which lies under our --root.
/// </summary>
public sealed class PodmanFixture : EngineFixture
{
    public const string BerthDefaultRoot = "/run/berth-runtime";

    protected override string EngineName => "pm";

    public string Podman { get; } = Cmd.Which("podman") ?? "podman";
    public Dictionary<string, string> Env { get; } = [];
    private string[] _global = [];

    /// <summary>What every container gets here (anchors.md: the hard nofile limit is 20000 and
    /// CAP_SYS_RESOURCE is missing), plus our cgroup parent.</summary>
    public string[] RunFlags { get; private set; } = [];

    protected override void Start(Sandbox s)
    {
        var root = Path.Combine(s.Dir, "root");
        var runroot = Path.Combine(s.Dir, "runroot");
        var tmp = Directory.CreateDirectory(Path.Combine(s.Dir, "tmp")).FullName;
        File.WriteAllText(Path.Combine(s.Dir, "containers.conf"), """
            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            """);
        File.WriteAllText(Path.Combine(s.Dir, "storage.conf"), $"""
            [storage]
            driver = "overlay"
            graphroot = "{root}"
            runroot = "{runroot}"
            """);
        File.WriteAllText(Path.Combine(s.Dir, "registries.conf"), "unqualified-search-registries = []\n");
        Env["CONTAINERS_CONF"] = Path.Combine(s.Dir, "containers.conf");
        Env["CONTAINERS_STORAGE_CONF"] = Path.Combine(s.Dir, "storage.conf");
        Env["CONTAINERS_REGISTRIES_CONF"] = Path.Combine(s.Dir, "registries.conf");
        _global = ["--root", root, "--runroot", runroot, "--tmpdir", tmp, "--storage-driver", "overlay",
                   "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", s.Runtime];
        RunFlags = ["--network", "none", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
                    "--cgroup-parent", "/" + s.Name];
        s.BeforeStop(RemoveAll);

        var archive = BusyboxImage.Write(Path.Combine(s.Dir, "busybox.tar"));
        Expect(PodmanNow(["load", "-i", archive], TimeSpan.FromSeconds(120)));
    }

    public CmdResult Run(params string[] args)
    {
        _ = Sandbox;
        return PodmanNow(args);
    }

    public Cmd StartPodman(params string[] args) => Cmd.Start(Podman, [.. _global, .. args], Sandbox.Scratch, Env);

    private CmdResult PodmanNow(IEnumerable<string> args, TimeSpan? timeout = null) =>
        Cmd.Run(Podman, [.. _global, .. args], Current.Scratch, Env, timeout);

    /// <summary>Our containers in berth-runtime's default root: those whose bundle is under our dir.</summary>
    public List<(string Id, int Pid, string Status)> BerthList()
    {
        var ours = new List<(string, int, string)>();
        foreach (var c in Current.BerthList(BerthDefaultRoot))
        {
            var bundle = Path.Combine(Current.Dir, "root", "overlay-containers", c.Id);
            if (Directory.Exists(bundle))
            {
                ours.Add(c);
            }
        }

        return ours;
    }

    public string BundleDir(string id) => Path.Combine(Current.Dir, "root", "overlay-containers", id, "userdata");

    private void RemoveAll()
    {
        var ids = PodmanNow(["ps", "-aq", "--no-trunc"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        PodmanNow(["rm", "-af", "-t", "0"]);
        var leftover = Current.BerthList(BerthDefaultRoot).Select(c => c.Id).Intersect(ids);
        foreach (var id in leftover)
        {
            Current.Run(Current.Runtime, ["--root", BerthDefaultRoot, "delete", "--force", id]);
        }

        PodmanNow(["unmount", "-a"]);
    }
}

public sealed class PodmanTests(PodmanFixture f) : IClassFixture<PodmanFixture>
{
    [EngineFact("podman", "conmon")]
    public void RunRm_PrintsOutputAndReturnsExitCode_UnderBerth()
    {
        var s = f.Sandbox;
        var gate = Directory.CreateDirectory(Path.Combine(s.Dir, "gate")).FullName;
        using var run = f.StartPodman(["run", "--rm", .. f.RunFlags, "-v", gate + ":/gate", BusyboxImage.Reference,
            "sh", "-c", "echo hello-from-berth; while [ ! -e /gate/go ]; do sleep 0.05; done; exit 7"]);

        string? id = null;
        var seen = EngineFixture.Eventually(() =>
        {
            id = f.BerthList().FirstOrDefault(c => c.Status == "running" && c.Pid > 0).Id;
            return id is not null;
        }, TimeSpan.FromSeconds(30));
        if (id is not null)
        {
            s.KeepCopy(Path.Combine(f.BundleDir(id), "config.json"), "podman-gated-config.json");
        }

        File.WriteAllText(Path.Combine(gate, "go"), "");
        var r = run.Wait(TimeSpan.FromSeconds(60));
        Assert.True(seen, $"no container of ours showed up running in `berth-runtime --root {PodmanFixture.BerthDefaultRoot} list`\n{r}");
        Assert.Equal(7, r.ExitCode);
        Assert.Contains("hello-from-berth", r.Stdout, StringComparison.Ordinal);
        Assert.True(EngineFixture.Eventually(() => f.BerthList().All(c => c.Id != id), TimeSpan.FromSeconds(10)),
            "berth-runtime state left after podman run --rm");
    }

    [EngineFact("podman", "conmon")]
    public void Detached_ExecPauseUnpauseStopRm()
    {
        var s = f.Sandbox;
        const string name = "berth-detached";
        var id = f.Expect(f.Run(["run", "-d", "--name", name, .. f.RunFlags, BusyboxImage.Reference,
            "sh", "-c", "trap 'echo got-term; exit 0' TERM; echo started; while :; do sleep 0.1; done"])).Stdout.Trim();
        s.KeepCopy(Path.Combine(f.BundleDir(id), "config.json"), "podman-detached-config.json");
        Assert.Contains(f.BerthList(), c => c.Id == id && c.Status == "running");
        Assert.Equal(s.Runtime, f.Run("inspect", "-f", "{{.OCIRuntime}}", name).Stdout.Trim());

        var exec = f.Expect(f.Run("exec", name, "sh", "-c", "echo exec-ok; exit 6"), 6);
        Assert.Contains("exec-ok", exec.Stdout, StringComparison.Ordinal);

        f.Expect(f.Run("pause", name));
        Assert.Equal("paused", f.Run("inspect", "-f", "{{.State.Status}}", name).Stdout.Trim());
        Assert.Contains(f.BerthList(), c => c.Id == id && c.Status == "paused");
        f.Expect(f.Run("unpause", name));
        Assert.Equal("running", f.Run("inspect", "-f", "{{.State.Status}}", name).Stdout.Trim());

        var stop = f.Expect(f.Run("stop", "-t", "10", name));
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(8), $"SIGTERM did not reach the trap: stop took {stop.Elapsed}");
        Assert.Equal("0", f.Run("inspect", "-f", "{{.State.ExitCode}}", name).Stdout.Trim());
        Assert.Contains("got-term", f.Run("logs", name).Stdout, StringComparison.Ordinal);
        f.Expect(f.Run("rm", name));
        Assert.True(EngineFixture.Eventually(() => f.BerthList().All(c => c.Id != id), TimeSpan.FromSeconds(10)),
            "berth-runtime state left after podman rm");
    }

    [EngineFact("podman", "conmon")]
    public void Run_MissingExecutable_Exits127WithTheRuntimeError()
    {
        var r = f.Expect(f.Run(["run", "--rm", .. f.RunFlags, BusyboxImage.Reference, "/nonexistent"]), 127);
        Assert.Contains("/nonexistent", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such file or directory", r.Stderr, StringComparison.Ordinal);
    }
}
