using System.Diagnostics;

namespace Berth.Cli.IntegrationTests;

/// <summary>Runs the published binaries (berth, berth-runtime) and captures what they print.</summary>
internal static class Cli
{
    public static readonly string Bin = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../artifacts/bin"));

    public static (int Code, string Out, string Err) Run(string exe, params string[] args) =>
        Exec(Path.Combine(Bin, exe), args, timeoutSeconds: 60);

    /// <summary>
    /// Runs <paramref name="exe"/> to its end and captures what it prints; stdin is <paramref name="stdin"/>
    /// or empty, never the test runner's. Killed after <paramref name="timeoutSeconds"/>.
    /// </summary>
    public static (int Code, string Out, string Err) Exec(string exe, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? stdin = null, int timeoutSeconds = 180)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
            p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)}: no exit within {timeoutSeconds} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Asserts exit 0, with the command's stderr as the failure message.</summary>
    public static (int Code, string Out, string Err) Ok((int Code, string Out, string Err) result)
    {
        Assert.True(result.Code == 0, $"exit {result.Code}: {result.Err}");
        return result;
    }
}
