using System.Globalization;
using Berth.Runtime.DropInTests.Harness;
using Xunit;

namespace Berth.Runtime.DropInTests;

/// <summary>
/// dockerd 20.10 with its own data root, exec root, socket and pidfile, networking off (no bridge, no
/// iptables), its own managed containerd (dockerd starts it under the exec root), the cgroupfs driver
/// with our cgroup parent, and berth-runtime added as runtime "berth" (<c>--add-runtime</c>). dockerd
/// hands it to the runc v2 shim as <c>BinaryName</c> with <c>Root</c> = EXEC_ROOT/runtime-runc, so the
/// runtime runs as <c>berth-runtime --root EXEC_ROOT/runtime-runc/moby</c>.
/// </summary>
public sealed class DockerFixture : EngineFixture
{
    protected override string EngineName => "dk";

    public string Docker { get; } = Cmd.Which("docker") ?? "docker";
    public Dictionary<string, string> Env { get; } = [];
    public string ExecRoot { get; private set; } = "";

    protected override void Start(Sandbox s)
    {
        ExecRoot = Path.Combine(s.Dir, "exec");
        var cli = Directory.CreateDirectory(Path.Combine(s.Dir, "cli")).FullName;
        File.WriteAllText(Path.Combine(cli, "config.json"), "{}");
        var daemonJson = Path.Combine(s.Dir, "daemon.json");
        File.WriteAllText(daemonJson, "{}");  // never the host's /etc/docker/daemon.json
        var sock = Path.Combine(s.Dir, "docker.sock");
        Env["DOCKER_HOST"] = "unix://" + sock;
        Env["DOCKER_CONFIG"] = cli;

        var log = Path.Combine(s.Dir, "dockerd.log");
        var daemon = s.StartDaemon(Cmd.Which("dockerd") ?? "dockerd",
            ["--config-file", daemonJson, "--data-root", Path.Combine(s.Dir, "root"), "--exec-root", ExecRoot,
             "-H", "unix://" + sock, "--pidfile", Path.Combine(s.Dir, "dockerd.pid"),
             "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false", "--userland-proxy=false",
             "--storage-driver", "overlay2", "--exec-opt", "native.cgroupdriver=cgroupfs", "--cgroup-parent", "/" + s.Name,
             "--add-runtime", "berth=" + s.Runtime, "--log-level", "info"], log);
        s.WaitReady(daemon, log, () => DockerCli(["version"]).ExitCode == 0, TimeSpan.FromSeconds(60));
        s.BeforeStop(() =>
        {
            var ids = DockerCli(["ps", "-aq"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length > 0)
            {
                DockerCli(["rm", "-f", .. ids]);
            }
        });

        var archive = BusyboxImage.Write(Path.Combine(s.Dir, "busybox.tar"));
        Expect(DockerCli(["load", "-i", archive], TimeSpan.FromSeconds(120)));
    }

    public CmdResult Run(params string[] args)
    {
        _ = Sandbox;  // started on first use
        return DockerCli(args);
    }

    private CmdResult DockerCli(IEnumerable<string> args, TimeSpan? timeout = null) =>
        Cmd.Run(Docker, args, Current.Scratch, Env, timeout);

    /// <summary>Every berth-runtime root dockerd's shims use (EXEC_ROOT/runtime-*/moby).</summary>
    public List<(string Id, int Pid, string Status)> BerthList() =>
        Directory.Exists(ExecRoot)
            ? Directory.EnumerateDirectories(ExecRoot, "runtime-*")
                .Select(d => Path.Combine(d, "moby"))
                .Where(Directory.Exists)
                .SelectMany(Current.BerthList)
                .ToList()
            : [];

    public string BundleDir(string id) => Path.Combine(ExecRoot, "containerd", "daemon", "io.containerd.runtime.v2.task", "moby", id);
}

public sealed class DockerTests(DockerFixture f) : IClassFixture<DockerFixture>
{
    private static readonly string[] RunBerth = ["run", "--rm", "--runtime", "berth", "--network", "none"];

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void RunRm_PrintsOutputAndReturnsExitCode_UnderBerth()
    {
        var s = f.Sandbox;
        var gate = Directory.CreateDirectory(Path.Combine(s.Dir, "gate")).FullName;
        var cidFile = Path.Combine(s.Dir, "gated.cid");
        using var run = Cmd.Start(f.Docker,
            [.. RunBerth, "--cidfile", cidFile, "-v", gate + ":/gate", BusyboxImage.Reference,
             "sh", "-c", "echo hello-from-berth; while [ ! -e /gate/go ]; do sleep 0.05; done; exit 7"], s.Scratch, f.Env);

        string? id = null;
        var seen = EngineFixture.Eventually(() =>
        {
            id ??= File.Exists(cidFile) ? File.ReadAllText(cidFile).Trim() is { Length: 64 } c ? c : null : null;
            return id is not null && f.BerthList().Any(c => c.Id == id && c.Status == "running" && c.Pid > 0);
        }, TimeSpan.FromSeconds(30));
        if (id is not null)
        {
            s.KeepCopy(Path.Combine(f.BundleDir(id), "config.json"), "docker-gated-config.json");
        }

        File.WriteAllText(Path.Combine(gate, "go"), "");
        var r = run.Wait(TimeSpan.FromSeconds(60));
        Assert.True(seen, $"container {id} never showed up running in berth-runtime list under {f.ExecRoot}/runtime-*/moby\n{r}");
        Assert.Equal(7, r.ExitCode);
        Assert.Contains("hello-from-berth", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(f.BerthList(), c => c.Id == id);
    }

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void DockerSave_IsLoadedByBerth_AndRunsFromABundle()
    {
        // The image interop of the images issue: what dockerd writes, berth reads and runs.
        var s = f.Sandbox;
        var berth = Path.Combine(Path.GetDirectoryName(BerthBinary.Locate())!, "berth");
        var store = Path.Combine(s.Dir, "berth-store");
        var bundle = Path.Combine(s.Dir, "berth-bundle");
        var archive = Path.Combine(s.Dir, "docker-saved.tar");
        var save = f.Run("save", "-o", archive, BusyboxImage.Reference);
        Assert.True(save.ExitCode == 0, save.ToString());
        try
        {
            var load = Cmd.Run(berth, ["--root", store, "load", "-q", "-i", archive], s.Scratch);
            Assert.True(load.ExitCode == 0, load.ToString());
            Assert.Equal("Loaded image: busybox:berth-dropin\n", load.Stdout);
            var make = Cmd.Run(berth, ["--root", store, "image", "bundle", "busybox:berth-dropin", bundle, "sh", "-c", "echo loaded-from-docker-save"], s.Scratch);
            Assert.True(make.ExitCode == 0, make.ToString());

            var run = Cmd.Run(s.Runtime, ["--root", Path.Combine(s.Dir, "berth-state"), "run", "--bundle", bundle, "dksave-" + Environment.ProcessId], s.Scratch);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("loaded-from-docker-save\n", run.Stdout);
        }
        finally
        {
            Cmd.Run(berth, ["--root", store, "image", "unbundle", bundle], s.Scratch);
        }
    }

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void BerthSave_IsLoadedByDocker_AndRuns()
    {
        var s = f.Sandbox;
        var berth = Path.Combine(Path.GetDirectoryName(BerthBinary.Locate())!, "berth");
        var store = Path.Combine(s.Dir, "berth-store-2");
        var rootfs = Path.Combine(s.Dir, "rootfs.tar");
        var archive = Path.Combine(s.Dir, "berth-saved.tar");
        var save = f.Run("save", "-o", rootfs, BusyboxImage.Reference);
        Assert.True(save.ExitCode == 0, save.ToString());
        var load = Cmd.Run(berth, ["--root", store, "load", "-q", "-i", rootfs], s.Scratch);
        Assert.True(load.ExitCode == 0, load.ToString());
        var tag = Cmd.Run(berth, ["--root", store, "tag", "busybox:berth-dropin", "berth-made:v1"], s.Scratch);
        Assert.True(tag.ExitCode == 0, tag.ToString());
        var write = Cmd.Run(berth, ["--root", store, "save", "-o", archive, "berth-made:v1"], s.Scratch);
        Assert.True(write.ExitCode == 0, write.ToString());

        var dockerLoad = f.Run("load", "-i", archive);
        var run = f.Run([.. RunBerth, "berth-made:v1", "echo", "saved-by-berth"]);

        Assert.True(dockerLoad.ExitCode == 0, dockerLoad.ToString());
        Assert.Contains("berth-made:v1", dockerLoad.Stdout, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("saved-by-berth\n", run.Stdout);
    }

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void Memory64m_IsTheContainersMemoryLimit() =>
        Assert.Equal("67108864", Inside(["--memory", "64m"],
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"));

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void PidsLimit32_IsThePidsMax() =>
        Assert.Equal("32", Inside(["--pids-limit", "32"],
            "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"));

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void CpusHalf_IsACfsQuotaOfHalfThePeriod() =>
        Assert.Equal("50000 100000", Inside(["--cpus", "0.5"],
            "if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us); else cat /sys/fs/cgroup/cpu.max; fi"));

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void CapDropAll_LeavesNoCapability()
    {
        var status = Inside(["--cap-drop", "ALL"], "grep ^Cap /proc/self/status");
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            Assert.Contains($"{set}:\t0000000000000000", status, StringComparison.Ordinal);
        }

        // and the default set is not empty, so the check above means something
        Assert.DoesNotContain("CapEff:\t0000000000000000", Inside([], "grep ^Cap /proc/self/status"), StringComparison.Ordinal);
    }

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void SeccompProfile_IsLoadedAndEnforced()
    {
        var profile = Path.Combine(f.Sandbox.Dir, "seccomp.json");
        File.WriteAllText(profile, """
            {"defaultAction":"SCMP_ACT_ALLOW",
             "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
             "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":95}]}
            """);
        var output = Inside(["--security-opt", "seccomp=" + profile],
            "grep ^Seccomp: /proc/self/status; mkdir /tmp/x 2>&1; echo mkdir=$?");
        Assert.Contains("Seccomp:\t2", output, StringComparison.Ordinal);
        Assert.Contains("Operation not supported", output, StringComparison.Ordinal);  // errnoRet 95, ours
        Assert.Contains("mkdir=1", output, StringComparison.Ordinal);
        Assert.Contains("mkdir=0", Inside([], "mkdir /tmp/x; echo mkdir=$?"), StringComparison.Ordinal);
    }

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void Detached_ExecPauseUnpauseStatsUpdateStopRm()
    {
        var s = f.Sandbox;
        const string name = "berth-detached";
        var id = f.Expect(f.Run("run", "-d", "--name", name, "--runtime", "berth", "--network", "none",
            "--memory", "64m", "--memory-swap", "128m", BusyboxImage.Reference,
            "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done")).Stdout.Trim();
        s.KeepCopy(Path.Combine(f.BundleDir(id), "config.json"), "docker-detached-config.json");
        Assert.Contains(f.BerthList(), c => c.Id == id && c.Status == "running");

        var exec = f.Expect(f.Run("exec", name, "sh", "-c", "echo exec-ok; exit 9"), 9);
        Assert.Contains("exec-ok", exec.Stdout, StringComparison.Ordinal);

        f.Expect(f.Run("pause", name));
        Assert.Equal("paused", f.Run("inspect", "-f", "{{.State.Status}}", name).Stdout.Trim());
        Assert.Contains(f.BerthList(), c => c.Id == id && c.Status == "paused");
        f.Expect(f.Run("unpause", name));
        Assert.Equal("running", f.Run("inspect", "-f", "{{.State.Status}}", name).Stdout.Trim());

        var stats = f.Expect(f.Run("stats", "--no-stream", "--format", "{{.MemUsage}}|{{.PIDs}}", name)).Stdout;
        Assert.Contains("/ 64MiB", stats, StringComparison.Ordinal);

        f.Expect(f.Run("update", "--memory", "96m", "--memory-swap", "192m", name));
        var limit = f.Expect(f.Run("exec", name, "sh", "-c",
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max")).Stdout.Trim();
        Assert.Equal((96L * 1024 * 1024).ToString(CultureInfo.InvariantCulture), limit);

        var stop = f.Expect(f.Run("stop", "-t", "10", name));
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(8), $"SIGTERM did not reach the trap: stop took {stop.Elapsed}");
        Assert.Equal("0", f.Run("inspect", "-f", "{{.State.ExitCode}}", name).Stdout.Trim());
        f.Expect(f.Run("rm", name));
        Assert.DoesNotContain(f.BerthList(), c => c.Id == id);
    }

    [EngineFact("dockerd", "docker", "containerd", "containerd-shim-runc-v2")]
    public void Run_MissingExecutable_Exits127WithTheRuntimeError()
    {
        var r = f.Expect(f.Run([.. RunBerth, BusyboxImage.Reference, "/nonexistent"]), 127);
        Assert.Contains("/nonexistent", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such file or directory", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>docker run --rm --runtime berth --network none EXTRA busybox sh -c SCRIPT; its trimmed stdout.</summary>
    private string Inside(string[] extra, string script) =>
        f.Expect(f.Run([.. RunBerth, .. extra, BusyboxImage.Reference, "sh", "-c", script])).Stdout.Trim();
}
