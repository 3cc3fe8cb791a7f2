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

    /// <summary>Runs every hook and reports failures without stopping (poststop: the container is gone anyway).</summary>
    public static List<string> RunAll(string phase, IReadOnlyList<Hook>? hooks, string stateJson)
    {
        var errors = new List<string>();
        for (var i = 0; i < (hooks?.Count ?? 0); i++)
        {
            try
            {
                RunOne(phase, i, hooks![i], stateJson);
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
        var (stdinRead, stdinWrite) = Sys.Pipe();
        var (outRead, outWrite) = Sys.Pipe();
        SpawnedProcess p;
        try
        {
            var args = hook.Args is { Count: > 0 } a ? a : [hook.Path];
            p = Spawner.Spawn(-1, hook.Path, args, hook.Env ?? [],
                [(stdinRead.Value, 0), (outWrite.Value, 1), (outWrite.Value, 2)], 3);
        }
        catch (LinuxException e)
        {
            throw new RuntimeException($"{phase} hook #{index} ({hook.Path}): {e.Message}", e);
        }
        finally
        {
            stdinRead.Dispose();
            outWrite.Dispose();
        }

        using (p.PidFd)
        using (outRead)
        {
            var output = new StringBuilder();
            var reader = new Thread(() => Drain(outRead, output)) { IsBackground = true };
            reader.Start();
            try
            {
                Sys.Write(stdinWrite.Value, Encoding.UTF8.GetBytes(stateJson), "hook stdin");
            }
            catch (LinuxException e) when (e.Errno == Errno.EPIPE)
            {
                // A hook need not read its stdin.
            }
            stdinWrite.Dispose();

            var timeout = hook.Timeout is > 0 ? TimeSpan.FromSeconds(hook.Timeout.Value) : (TimeSpan?)null;
            var status = Spawner.WaitWithTimeout(p, timeout);
            if (status is null)
            {
                Sys.Kill(p.Pid, 9);
                Sys.WaitPid(p.Pid);
                throw new RuntimeException($"{phase} hook #{index} ({hook.Path}): timed out after {hook.Timeout}s");
            }
            reader.Join(TimeSpan.FromSeconds(1));
            var code = Sys.ExitCode(status.Value);
            if (code != 0)
            {
                var text = output.ToString().Trim();
                var what = (status.Value & 0x7f) == 0 ? $"exit status {code}" : $"signal {status.Value & 0x7f}";
                throw new RuntimeException($"{phase} hook #{index} ({hook.Path}): {what}" + (text.Length > 0 ? $", output: {text}" : ""));
            }
        }
    }

    private static void Drain(UnixFd fd, StringBuilder sink)
    {
        var buf = new byte[4096];
        int n;
        while ((n = Sys.Read(fd.Value, buf)) > 0)
        {
            lock (sink)
            {
                if (sink.Length < MaxOutput)
                    sink.Append(Encoding.UTF8.GetString(buf, 0, n));
            }
        }
    }
}
