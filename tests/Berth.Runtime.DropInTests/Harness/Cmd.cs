using System.Diagnostics;

namespace Berth.Runtime.DropInTests.Harness;

/// <summary>What a finished command left behind.</summary>
public sealed record CmdResult(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"`{Command}` exited {ExitCode} after {Elapsed.TotalMilliseconds:F0} ms\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// A command started with its stdio on files, never pipes: engines hand their stdio on to shims,
/// conmon and containers, which would keep a pipe open long after the CLI exited.
/// </summary>
public sealed class Cmd : IDisposable
{
    private static int s_counter;
    private readonly Process _process;
    private readonly string _stdout;
    private readonly string _stderr;
    private readonly Stopwatch _sw;

    private Cmd(Process process, string command, string stdout, string stderr)
    {
        _process = process;
        Command = command;
        _stdout = stdout;
        _stderr = stderr;
        _sw = Stopwatch.StartNew();
    }

    public string Command { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="file"/> through <c>/bin/sh -c 'exec "$@" &gt;out 2&gt;err'</c>, so the
    /// pid of the returned process is the command's own (exec keeps it).</summary>
    public static Cmd Start(string file, IEnumerable<string> args, string scratchDir,
        IReadOnlyDictionary<string, string>? env = null, string? stdoutPath = null, string? stderrPath = null)
    {
        var n = Interlocked.Increment(ref s_counter);
        var stdout = stdoutPath ?? Path.Combine(scratchDir, $"cmd-{n}.out");
        var stderr = stderrPath ?? Path.Combine(scratchDir, $"cmd-{n}.err");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("out=$1; err=$2; shift 2; exec \"$@\" </dev/null >>\"$out\" 2>>\"$err\"");
        psi.ArgumentList.Add("berth-dropin");
        psi.ArgumentList.Add(stdout);
        psi.ArgumentList.Add(stderr);
        psi.ArgumentList.Add(file);
        var argList = args.ToList();
        foreach (var a in argList)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        var command = file + " " + string.Join(' ', argList.Select(Quote));
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        return new Cmd(process, command, stdout, stderr);
    }

    public static CmdResult Run(string file, IEnumerable<string> args, string scratchDir,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        using var cmd = Start(file, args, scratchDir, env);
        return cmd.Wait(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits for the command; past <paramref name="timeout"/> it kills the command (by its pid)
    /// and throws with what it printed so far.</summary>
    public CmdResult Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
            }

            _process.WaitForExit(5000);
            throw new TimeoutException(
                $"`{Command}` did not finish within {timeout.TotalSeconds} s\n--- stdout ---\n{ReadText(_stdout)}\n--- stderr ---\n{ReadText(_stderr)}");
        }

        _sw.Stop();
        return new CmdResult(Command, _process.ExitCode, ReadText(_stdout), ReadText(_stderr), _sw.Elapsed);
    }

    public string StdoutSoFar => ReadText(_stdout);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
        }

        _process.Dispose();
    }

    public static string ReadText(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Full path of <paramref name="name"/> on PATH (or the usual sbin dirs), or null.</summary>
    public static string? Which(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (var dir in dirs)
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
