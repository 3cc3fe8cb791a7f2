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

    public static (int Code, string Out, string Err) Run(string exe, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? stdin = null, int timeoutSeconds = 180) =>
        Cli.Exec(exe, args, env, stdin, timeoutSeconds);

    public static (int Code, string Out, string Err) Ok((int Code, string Out, string Err) result, string what)
    {
        Assert.True(result.Code == 0, $"{what}: exit {result.Code}: {result.Err}{result.Out}");
        return result;
    }
}
