using System.Text;
using Berth.Linux;
using Berth.Oci.Runtime;
using Berth.Runtime.Processes;

namespace Berth.Runtime.Hooks;

/// <summary>Runs OCI hooks: the container state on stdin, the hook's own args and env, its timeout honoured.</summary>
public static class HookRunner
{
    private const int MaxOutput = 64 << 10;

    /// <summary>Runs every hook of a phase in order; the first failure throws.</summary>
    public static void Run(string phase, IReadOnlyList<Hook>? hooks, string stateJson)
    {
        if (hooks is null)
            return;
        for (var i = 0; i < hooks.Count; i++)
            RunOne(phase, i, hooks[i], stateJson);
    }

    /// <summary>
    /// Runs every hook and reports failures without stopping (poststop: the container is gone anyway).
    /// The state is only made when there is a hook to give it to.
    /// </summary>
    public static List<string> RunAll(string phase, IReadOnlyList<Hook>? hooks, Func<string> stateJson)
    {
        var errors = new List<string>();
        if (hooks is not { Count: > 0 })
            return errors;
        var state = stateJson();
        for (var i = 0; i < hooks.Count; i++)
        {
            try
            {
                RunOne(phase, i, hooks[i], state);
            }
            catch (RuntimeException e)
            {
                errors.Add(e.Message);
            }
        }
        return errors;
    }

    private static void RunOne(string phase, int index, Hook hook, string stateJson)
    {
        var name = $"{phase} hook #{index} ({hook.Path})";
        var (stdinRead, stdinWrite) = Sys.Pipe();
        UnixFd outRead, outWrite;
        try
        {
            (outRead, outWrite) = Sys.Pipe();
        }
        catch
        {
            stdinRead.Dispose();
            stdinWrite.Dispose();
            throw;
        }

        SpawnedProcess p;
        try
        {
            var args = hook.Args is { Count: > 0 } a ? a : [hook.Path];
            p = Spawner.Spawn(-1, hook.Path, args, hook.Env ?? [],
                [(stdinRead.Value, 0), (outWrite.Value, 1), (outWrite.Value, 2)], 3);
        }
        catch (Exception e)
        {
            stdinWrite.Dispose();
            outRead.Dispose();
            if (e is LinuxException)
                throw new RuntimeException($"{name}: {e.Message}", e);
            throw;
        }
        finally
        {
            stdinRead.Dispose();
            outWrite.Dispose();
        }

        // Both pipe ends go to threads that own them: a hook that never reads its stdin must not
        // block us past its timeout, and a child the hook leaves behind may hold its stdout open
        // (and write to it) long after the hook itself has exited.
        var output = new OutputReader(outRead);
        StartStdinWriter(stdinWrite, Encoding.UTF8.GetBytes(stateJson));
        using (p.PidFd)
        {
            var timeout = hook.Timeout is > 0 ? TimeSpan.FromSeconds(hook.Timeout.Value) : (TimeSpan?)null;
            var status = Spawner.WaitWithTimeout(p, timeout);
            if (status is null)
            {
                Sys.Kill(p.Pid, 9);
                Sys.WaitPid(p.Pid);
                throw new RuntimeException($"{name}: timed out after {hook.Timeout}s");
            }
            var code = Sys.ExitCode(status.Value);
            if (code != 0)
            {
                var text = output.Text(TimeSpan.FromSeconds(1)).Trim();
                var what = (status.Value & 0x7f) == 0 ? $"exit status {code}" : $"signal {status.Value & 0x7f}";
                throw new RuntimeException($"{name}: {what}" + (text.Length > 0 ? $", output: {text}" : ""));
            }
        }
    }

    private static void StartStdinWriter(UnixFd fd, byte[] data)
    {
        var writer = new Thread(() =>
        {
            try
            {
                Sys.Write(fd.Value, data, "hook stdin");
            }
            catch (LinuxException)
            {
                // EPIPE: a hook need not read its stdin.
            }
            finally
            {
                fd.Dispose();
            }
        })
        { IsBackground = true, Name = "hook stdin" };
        writer.Start();
    }

    /// <summary>Collects the first <see cref="MaxOutput"/> bytes of a hook's stdout and stderr; its thread owns and closes the pipe.</summary>
    private sealed class OutputReader
    {
        private readonly MemoryStream _bytes = new();
        private readonly Thread _thread;

        public OutputReader(UnixFd fd)
        {
            _thread = new Thread(() => Drain(fd)) { IsBackground = true, Name = "hook output" };
            _thread.Start();
        }

        /// <summary>The output so far, after waiting up to <paramref name="wait"/> for the end of it.</summary>
        public string Text(TimeSpan wait)
        {
            _thread.Join(wait);
            lock (_bytes)
                return Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
        }

        private void Drain(UnixFd fd)
        {
            try
            {
                var buf = new byte[4096];
                int n;
                while ((n = Sys.Read(fd.Value, buf)) > 0)
                {
                    lock (_bytes)
                        _bytes.Write(buf, 0, (int)Math.Min(n, MaxOutput - _bytes.Length));
                }
            }
            finally
            {
                fd.Dispose();
            }
        }
    }
}
