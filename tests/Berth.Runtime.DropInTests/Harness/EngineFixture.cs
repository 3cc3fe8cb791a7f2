using System.Diagnostics;
using Xunit;

namespace Berth.Runtime.DropInTests.Harness;

/// <summary>
/// One engine for a test class, started on first use (so skipped tests start nothing) and torn down
/// by the <see cref="Sandbox"/> when the class is done. A start failure is remembered and rethrown
/// to every test of the class.
/// </summary>
public abstract class EngineFixture : IDisposable
{
    private readonly Lock _lock = new();
    private Sandbox? _sandbox;
    private Exception? _startFailure;

    protected abstract string EngineName { get; }

    /// <summary>The sandbox being started or started (no lazy start: for use inside <see cref="Start"/>).</summary>
    protected Sandbox Current => _current ?? throw new InvalidOperationException("not started");

    private Sandbox? _current;

    /// <summary>Starts the daemon (if any) and loads the busybox image.</summary>
    protected abstract void Start(Sandbox sandbox);

    public Sandbox Sandbox
    {
        get
        {
            lock (_lock)
            {
                if (_startFailure is not null)
                {
                    throw new InvalidOperationException($"{EngineName} did not start", _startFailure);
                }

                if (_sandbox is null)
                {
                    var sandbox = new Sandbox(EngineName);
                    _current = sandbox;
                    try
                    {
                        Start(sandbox);
                        _sandbox = sandbox;
                    }
                    catch (Exception e)
                    {
                        _startFailure = e;
                        sandbox.Dispose();
                        throw;
                    }
                }

                return _sandbox;
            }
        }
    }

    public void Dispose()
    {
        _sandbox?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Asserts the exit code, with the command's output and where the logs are kept.</summary>
    public CmdResult Expect(CmdResult r, int exitCode = 0)
    {
        Assert.True(r.ExitCode == exitCode,
            $"expected exit {exitCode}\n{r}\n(engine and berth logs, engine-made config.json: {_current?.ArtifactsDir})");
        return r;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, for at most <paramref name="timeout"/>.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return condition();
    }
}
