using System.Diagnostics;
using System.Security.Cryptography;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// A private dockerd for the registry interop tests, as the drop-in tests start theirs: its own data
/// root, exec root, pidfile and socket under a short temp dir, networking off (no bridge, no iptables),
/// its own managed containerd, never the host's daemon.json or CLI config. Dispose stops it by pid
/// (SIGTERM, then SIGKILL), kills by pid what provably belongs to it (a command line naming the dir),
/// detaches mounts under the dir and removes it.
/// </summary>
public sealed class RegistryDockerDaemon : IDisposable
{
    private readonly Process _daemon;

    public RegistryDockerDaemon()
    {
        var dockerd = RegistryTools.Require("dockerd", "docker.io");
        Docker = RegistryTools.Require("docker", "docker.io");
        Dir = Path.Combine("/tmp", "brd-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));
        Directory.CreateDirectory(Dir);
        var cli = Directory.CreateDirectory(Path.Combine(Dir, "cli")).FullName;
        File.WriteAllText(Path.Combine(cli, "config.json"), "{}");
        var daemonJson = Path.Combine(Dir, "daemon.json");
        File.WriteAllText(daemonJson, "{}");
        var socket = Path.Combine(Dir, "docker.sock");
        Env = new Dictionary<string, string> { ["DOCKER_HOST"] = "unix://" + socket, ["DOCKER_CONFIG"] = cli };
        LogPath = Path.Combine(Dir, "dockerd.log");
        var info = new ProcessStartInfo(dockerd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
        {
            "--config-file", daemonJson, "--data-root", Path.Combine(Dir, "root"), "--exec-root", Path.Combine(Dir, "exec"),
            "-H", "unix://" + socket, "--pidfile", Path.Combine(Dir, "dockerd.pid"),
            "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false", "--userland-proxy=false",
            "--storage-driver", "overlay2", "--log-level", "info",
        })
        {
            info.ArgumentList.Add(a);
        }
        // Every loopback port: the registries of the tests pick theirs (127.0.0.0/8 is insecure for
        // dockerd anyway; this says so explicitly).
        info.ArgumentList.Add("--insecure-registry");
        info.ArgumentList.Add("127.0.0.0/8");
        _daemon = Process.Start(info)!;
        var log = new StreamWriter(LogPath) { AutoFlush = true };
        _daemon.OutputDataReceived += (_, e) => { lock (log) { if (e.Data is not null) log.WriteLine(e.Data); } };
        _daemon.ErrorDataReceived += (_, e) => { lock (log) { if (e.Data is not null) log.WriteLine(e.Data); } };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (Run("version").Code != 0)
        {
            if (_daemon.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                var why = _daemon.HasExited ? $"exited with {_daemon.ExitCode}" : "not ready after 60 s";
                Dispose();
                throw new InvalidOperationException($"dockerd {why}");
            }
            Thread.Sleep(250);
        }
    }

    public string Dir { get; }

    public string Docker { get; }

    public string LogPath { get; }

    public IReadOnlyDictionary<string, string> Env { get; }

    public (int Code, string Out, string Err) Run(params string[] args) => RegistryTools.Run(Docker, args, Env);

    public (int Code, string Out, string Err) RunWithInput(string stdin, params string[] args) => RegistryTools.Run(Docker, args, Env, stdin);

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            Process.Start("kill", ["-TERM", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!_daemon.WaitForExit(20_000))
                _daemon.Kill();
            _daemon.WaitForExit(10_000);
        }
        _daemon.Dispose();
        KillStrays();
        foreach (var mount in MountsUnder().OrderByDescending(m => m.Length))
            Process.Start("umount", ["-l", mount])!.WaitForExit();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Process.Start("rm", ["-rf", "--one-file-system", Dir])!.WaitForExit();
        }
    }

    /// <summary>The managed containerd (and any shim) name our dir on their command line; nothing else does.</summary>
    private void KillStrays()
    {
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ').Contains(Dir + "/", StringComparison.Ordinal))
                    Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
            }
        }
    }

    private List<string> MountsUnder() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f.Length > 4).Select(f => f[4])
            .Where(m => m == Dir || m.StartsWith(Dir + "/", StringComparison.Ordinal)).Distinct().ToList();
}
