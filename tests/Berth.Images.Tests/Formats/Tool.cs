using System.Diagnostics;

namespace Berth.Images.Tests.Formats;

/// <summary>
/// Runs a real tool (skopeo, umoci) for the interop tests. A missing tool fails the test with how to
/// install it: CI installs them, and a skipped interop test would hide a broken format.
/// </summary>
public static class Tool
{
    public static string Run(string tool, params string[] args)
    {
        var path = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        if (path is null)
            Assert.Fail($"{tool} is not installed; the interop tests need it (apt-get install -y skopeo umoci)");
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            Assert.Fail($"{tool} {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
