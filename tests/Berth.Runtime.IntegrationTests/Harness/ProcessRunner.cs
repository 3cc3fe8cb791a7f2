using System.Diagnostics;
using System.Text;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>What a finished command left behind.</summary>
public sealed record ExecResult(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"`{Command}` exited {ExitCode} after {Elapsed.TotalMilliseconds:F0} ms\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>How to start a command: stdio are files (never pipes, so a container that keeps them
/// open cannot make the harness hang), extra descriptors for --preserve-fds, a working directory.</summary>
public sealed class ExecOptions
{
    public string? StdinPath { get; init; }
    public string? WorkingDirectory { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>fd number (3, 4, …) → file opened read-only on it in the runtime's process.</summary>
    public IReadOnlyDictionary<int, string> ExtraFds { get; init; } = new Dictionary<int, string>();

    /// <summary>When set, stdout/stderr go to these files and are left there (create, run --detach).</summary>
    public string? StdoutPath { get; init; }
    public string? StderrPath { get; init; }
}

public static class ProcessRunner
{
    private static int s_counter;

    /// <summary>
    /// Runs <paramref name="file"/> with its stdio redirected to files in <paramref name="scratchDir"/>
    /// (through /bin/sh, which is the only portable way to hand a child arbitrary descriptors from .NET),
    /// waits for that process alone, and returns what it wrote.
    /// </summary>
    public static ExecResult Run(string file, IReadOnlyList<string> args, string scratchDir, ExecOptions? options = null)
    {
        options ??= new ExecOptions();
        var n = Interlocked.Increment(ref s_counter);
        var stdout = options.StdoutPath ?? Path.Combine(scratchDir, $".exec-{n}.out");
        var stderr = options.StderrPath ?? Path.Combine(scratchDir, $".exec-{n}.err");
        var stdin = options.StdinPath ?? "/dev/null";

        var script = new StringBuilder("in=$1; out=$2; err=$3; shift 3; ");
        var positional = new List<string> { stdin, stdout, stderr };
        var redirections = new StringBuilder();
        foreach (var (fd, path) in options.ExtraFds.OrderBy(kv => kv.Key))
        {
            positional.Add(path);
            script.Append($"f{fd}=$1; shift; ");
            redirections.Append($" {fd}<\"$f{fd}\"");
        }

        script.Append("exec \"$@\" <\"$in\" >>\"$out\" 2>>\"$err\"").Append(redirections);

        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script.ToString());
        psi.ArgumentList.Add("berth-it-exec");
        foreach (var p in positional)
        {
            psi.ArgumentList.Add(p);
        }

        psi.ArgumentList.Add(file);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (options.WorkingDirectory is not null)
        {
            psi.WorkingDirectory = options.WorkingDirectory;
        }

        var command = file + " " + string.Join(' ', args.Select(Quote));
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (!process.WaitForExit(options.Timeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            process.WaitForExit(5000);
            throw new TimeoutException(
                $"`{command}` did not finish within {options.Timeout.TotalSeconds} s\n--- stdout ---\n{ReadText(stdout)}\n--- stderr ---\n{ReadText(stderr)}");
        }

        sw.Stop();
        return new ExecResult(command, process.ExitCode, ReadText(stdout), ReadText(stderr), sw.Elapsed);
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

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
