using System.Diagnostics;

namespace Berth.Cli.IntegrationTests;

/// <summary>Runs the registry's peers (skopeo, docker); a missing one fails the test with how to install it, never skips it.</summary>
internal static class RegistryTools
{
    public static string Require(string tool, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin").Split(':').Append("/usr/sbin"))
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path))
                return path;
        }
        Assert.Fail($"{tool} is not installed; the registry interop tests need it (apt-get install {package})");
        return "";
    }

    public static (int Code, string Out, string Err) Run(string exe, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? stdin = null, int timeoutSeconds = 180)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)}: no exit within {timeoutSeconds} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static (int Code, string Out, string Err) Ok((int Code, string Out, string Err) result, string what)
    {
        Assert.True(result.Code == 0, $"{what}: exit {result.Code}: {result.Err}{result.Out}");
        return result;
    }
}
