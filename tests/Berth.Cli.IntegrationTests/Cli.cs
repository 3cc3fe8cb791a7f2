using System.Diagnostics;

namespace Berth.Cli.IntegrationTests;

/// <summary>Runs the published binaries (berth, berth-runtime) and captures what they print.</summary>
internal static class Cli
{
    public static readonly string Bin = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../artifacts/bin"));

    public static (int Code, string Out, string Err) Run(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(Bin, exe)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)}: no exit within 60 s");
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
