using System.Diagnostics;
using System.Text;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// <c>artifacts/bin/berth registry serve --addr 127.0.0.1:0</c> as a child process over its own temp
/// root; the port is read from its "listening on URL" line. Dispose kills it by its pid and removes
/// the root, whatever the test did.
/// </summary>
internal sealed class RegistryProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _disposed;

    public RegistryProcess(string root, params string[] extra)
    {
        Root = root;
        var info = new ProcessStartInfo(Path.Combine(Cli.Bin, "berth")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--root", root, "registry", "serve", "--addr", "127.0.0.1:0" }.Concat(extra))
            info.ArgumentList.Add(a);
        _process = Process.Start(info)!;
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_log)
                _log.AppendLine(e.Data);
            if (e.Data.StartsWith("listening on ", StringComparison.Ordinal))
                ready.TrySetResult(e.Data["listening on ".Length..].Split(' ')[0]);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_log)
                _log.AppendLine(e.Data);
        };
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"berth registry serve exited with {_process.ExitCode}: {Log}"));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            Dispose();
            throw new TimeoutException($"berth registry serve: no \"listening on\" line within 30 s: {Log}");
        }
        Url = new Uri(ready.Task.Result);
    }

    public string Root { get; }

    public Uri Url { get; }

    /// <summary>host:port, as docker and skopeo name the registry.</summary>
    public string Host => $"{Url.Host}:{Url.Port}";

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
