using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Hooks;

/// <summary>
/// Hooks are host programs (here a shell script that appends "NAME STATE-JSON" to a log) run by
/// the runtime at fixed points of the lifecycle with the container state on stdin.
/// </summary>
public sealed class HookTests : RuntimeTest
{
    private readonly string _script;
    private readonly string _log;

    public HookTests(ITestOutputHelper output)
        : base(output)
    {
        _log = Path.Combine(Dir, "hooks.log");
        _script = Path.Combine(Dir, "hook.sh");
        File.WriteAllText(_script,
            "#!/bin/sh\n" +
            "# hook.sh NAME LOG [EXIT-CODE [SLEEP-SECONDS]]: log the hook and the state it got on stdin\n" +
            "state=$(tr -d '\\n')\n" +
            "printf '%s %s env=%s\\n' \"$1\" \"$state\" \"$BERTH_HOOK_ENV\" >> \"$2\"\n" +
            "if [ -n \"$4\" ]; then exec sleep \"$4\"; fi\n" +
            "exit \"${3:-0}\"\n");
        File.SetUnixFileMode(_script, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    [RuntimeFact]
    public void CreateRuntime_and_prestart_hooks_run_during_create_with_the_state_on_stdin()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        AddHook(bundle, "createRuntime");
        AddHook(bundle, "prestart");
        var id = NewId("hc");

        MustCreate(bundle, id);
        var pid = Pid(id);
        var log = ReadLog();
        foreach (var name in new[] { "createRuntime", "prestart" })
        {
            var (_, state, _) = Assert.Single(log, e => e.Name == name);
            Assert.Equal(id, (string?)state["id"]);
            Assert.Equal(pid, (int?)state["pid"]);
            Assert.Equal(bundle.Path, (string?)state["bundle"]);
            Assert.StartsWith("1.", (string?)state["ociVersion"]);
        }
    }

    [RuntimeFact]
    public void Poststart_hook_runs_once_the_process_is_started()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        AddHook(bundle, "poststart");
        var id = NewId("hps");
        MustCreate(bundle, id);
        var pid = Pid(id);
        Assert.True(ReadLog().Count == 0, "poststart must not run before start");

        Must(Rt("start", id));
        var (_, state, _) = WaitForHook("poststart");
        Assert.Equal(id, (string?)state["id"]);
        Assert.Equal(pid, (int?)state["pid"]);
    }

    [RuntimeFact]
    public void Poststart_hook_runs_after_the_container_process_is_executed()
    {
        // The spec orders poststart after the user-specified process is executed: by then the
        // container's pid runs the container's binary, no longer the runtime's init.
        var exeLog = Path.Combine(Dir, "exe.log");
        var probe = Path.Combine(Dir, "exe-probe.sh");
        File.WriteAllText(probe, "#!/bin/sh\npid=$(tr -d '\\n' | sed 's/.*\"pid\": *\\([0-9]*\\).*/\\1/')\nreadlink /proc/$pid/exe > \"$1\"\n");
        File.SetUnixFileMode(probe, (UnixFileMode)Convert.ToInt32("755", 8));
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var hooks = (JsonObject)(bundle.Config["hooks"] = new JsonObject());
        hooks["poststart"] = new JsonArray(new JsonObject { ["path"] = probe, ["args"] = new JsonArray("exe-probe.sh", exeLog) });
        // A slow startContainer hook (it runs in the container, between start and the exec)
        // widens the window in which a runtime that does not wait would run poststart too early.
        hooks["startContainer"] = new JsonArray(new JsonObject { ["path"] = "/bin/sleep", ["args"] = new JsonArray("sleep", "0.5") });
        var id = NewId("hpx");
        MustCreate(bundle, id);

        Must(Rt("start", id));

        Assert.EndsWith("busybox", File.ReadAllText(exeLog).Trim());
    }

    [RuntimeFact]
    public void Poststop_hook_runs_at_delete_with_status_stopped()
    {
        var bundle = NewBundle().Args("/bin/true");
        AddHook(bundle, "poststop");
        var id = NewId("hpo");
        MustCreate(bundle, id);
        Must(Rt("start", id));
        WaitForStatus(id, "stopped");
        Assert.DoesNotContain(ReadLog(), e => e.Name == "poststop");

        Must(Rt("delete", id));
        var (_, state, _) = WaitForHook("poststop");
        Assert.Equal(id, (string?)state["id"]);
        Assert.Equal("stopped", (string?)state["status"]);
    }

    [RuntimeFact]
    public void Hook_gets_its_args_and_env()
    {
        var bundle = NewBundle().Args("/bin/true");
        AddHook(bundle, "createRuntime", env: ["BERTH_HOOK_ENV=from-config"]);
        var id = NewId("hae");
        MustCreate(bundle, id);
        Assert.Equal("from-config", Assert.Single(ReadLog()).Env);
    }

    [RuntimeFact]
    public void Failing_createRuntime_hook_fails_create_and_leaves_nothing_behind()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        AddHook(bundle, "createRuntime", exitCode: 3);
        var id = NewId("hf");

        var r = Create(bundle, id);

        Assert.NotEqual(0, r.ExitCode);
        AssertNothingLeft(id);
    }

    [RuntimeFact]
    public void Hook_running_past_its_timeout_fails_create()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        AddHook(bundle, "createRuntime", sleepSeconds: 20, timeout: 1);
        var id = NewId("ht");

        var sw = Stopwatch.StartNew();
        var r = Create(bundle, id);
        sw.Stop();

        Assert.NotEqual(0, r.ExitCode);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"create took {sw.Elapsed.TotalSeconds:F1} s with a 1 s hook timeout");
        AssertNothingLeft(id);
    }

    private void AssertNothingLeft(string id)
    {
        AssertCreateLeftNothing(id);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        foreach (var (_, state, _) in ReadLog())
        {
            // the hook saw the init's pid: that process must be gone too
            if (state["pid"] is JsonValue pid && (int)pid > 0)
            {
                while (!IsZombieOrGone((int)pid) && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(20);
                }

                Assert.True(IsZombieOrGone((int)pid), $"init process {(int)pid} of the failed container is still alive");
            }
        }
    }

    private static bool IsZombieOrGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }

    private void AddHook(BusyboxBundle bundle, string name, int exitCode = 0, int sleepSeconds = 0, int? timeout = null, string[]? env = null)
    {
        var hooks = bundle.Config["hooks"] as JsonObject ?? (JsonObject)(bundle.Config["hooks"] = new JsonObject());
        var list = hooks[name] as JsonArray ?? (JsonArray)(hooks[name] = new JsonArray());
        var args = new JsonArray("hook.sh", name, _log, exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (sleepSeconds > 0)
        {
            args.Add(sleepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var hook = new JsonObject { ["path"] = _script, ["args"] = args };
        if (timeout is not null)
        {
            hook["timeout"] = timeout.Value;
        }

        if (env is not null)
        {
            hook["env"] = new JsonArray(env.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray());
        }

        list.Add(hook);
    }

    private List<(string Name, JsonObject State, string Env)> ReadLog()
    {
        var entries = new List<(string, JsonObject, string)>();
        foreach (var line in ProcessRunner.ReadText(_log).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var envAt = line.LastIndexOf(" env=", StringComparison.Ordinal);
            var json = line[(space + 1)..envAt];
            Assert.True(json.Length > 0, $"hook {line[..space]} got no state on stdin");
            entries.Add((line[..space], JsonNode.Parse(json)!.AsObject(), line[(envAt + 5)..]));
        }

        Log("hooks.log:\n" + ProcessRunner.ReadText(_log));
        return entries;
    }

    private (string Name, JsonObject State, string Env) WaitForHook(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var entry = ReadLog().Where(e => e.Name == name).ToList();
            if (entry.Count > 0 || DateTime.UtcNow > deadline)
            {
                return Assert.Single(entry);
            }

            Thread.Sleep(25);
        }
    }
}
