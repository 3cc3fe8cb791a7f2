using System.Diagnostics;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// A runtime command that keeps running while the test goes on (`events` streaming), with stdout
/// and stderr in files (never pipes). Registered with <see cref="Harness.Cleanup"/>, so it is killed
/// (by pid, checked against its start time) whatever happens; <see cref="Dispose"/> kills it at once.
/// </summary>
public sealed class BackgroundCommand : IDisposable
{
    private readonly Process _process;

    private BackgroundCommand(Process process, string command, string stdoutPath, string stderrPath)
    {
        _process = process;
        Command = command;
        StdoutPath = stdoutPath;
        StderrPath = stderrPath;
    }

    public string Command { get; }
    public string StdoutPath { get; }
    public string StderrPath { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Stdout => ProcessRunner.ReadText(StdoutPath);
    public string Stderr => ProcessRunner.ReadText(StderrPath);

    /// <summary>Starts <c>RT --root ROOT ARGS…</c> in the background; stdin is /dev/null.</summary>
    public static BackgroundCommand StartRuntime(RuntimeUnderTest runtime, string root, string scratchDir, Cleanup cleanup, params string[] args)
    {
        var n = Guid.NewGuid().ToString("N")[..8];
        var stdout = Path.Combine(scratchDir, $".bg-{n}.out");
        var stderr = Path.Combine(scratchDir, $".bg-{n}.err");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("out=$1; err=$2; shift 2; exec \"$@\" </dev/null >\"$out\" 2>\"$err\"");
        psi.ArgumentList.Add("berth-it-bg");
        psi.ArgumentList.Add(stdout);
        psi.ArgumentList.Add(stderr);
        psi.ArgumentList.Add(runtime.Executable);
        psi.ArgumentList.Add("--root");
        psi.ArgumentList.Add(root);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {runtime.Executable}");
        cleanup.Process(process.Id);
        return new BackgroundCommand(process, $"{runtime.Executable} --root {root} {string.Join(' ', args)}", stdout, stderr);
    }

    /// <summary>
    /// Waits until a line of stdout satisfies <paramref name="match"/>; returns it, or null after
    /// <paramref name="timeout"/> or once the command has exited without printing one.
    /// </summary>
    public string? WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var exited = HasExited;
            var line = Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(match);
            if (line is not null || exited || DateTime.UtcNow >= deadline)
            {
                return line;
            }

            Thread.Sleep(50);
        }
    }

    public override string ToString() =>
        $"`{Command}` (pid {Pid}{(HasExited ? $", exited {_process.ExitCode}" : ", running")})\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
