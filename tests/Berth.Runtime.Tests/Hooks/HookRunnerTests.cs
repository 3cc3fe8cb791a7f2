using System.Diagnostics;
using Berth.Oci.Runtime;
using Berth.Runtime.Hooks;
using Berth.Runtime.Tests.State;

namespace Berth.Runtime.Tests.Hooks;

/// <summary>Hooks run as real processes: /bin/sh scripts that record what they were given.</summary>
public sealed class HookRunnerTests : IDisposable
{
    private const string State = """{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":42,"bundle":"/b"}""";

    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    internal static Hook Sh(string script, params string[] extraArgs) =>
        new() { Path = "/bin/sh", Args = ["sh", "-c", script, .. extraArgs] };

    [Fact]
    public void Hook_reads_the_container_state_on_stdin()
    {
        HookRunner.Run("createRuntime", [Sh("cat > \"$0\"", _tmp["stdin"])], State);

        Assert.Equal(State, File.ReadAllText(_tmp["stdin"]));
    }

    [Fact]
    public void Hook_gets_its_args_with_args0_as_its_argv0()
    {
        var hook = new Hook { Path = "/bin/sh", Args = ["my-hook", "-c", "tr '\\0' ' ' < /proc/$$/cmdline > \"$0\"", _tmp["argv"]] };

        HookRunner.Run("prestart", [hook], State);

        Assert.Equal($"my-hook -c tr '\\0' ' ' < /proc/$$/cmdline > \"$0\" {_tmp["argv"]} ", File.ReadAllText(_tmp["argv"]));
    }

    [Fact]
    public void Hook_without_args_gets_its_path_as_argv0()
    {
        var script = _tmp["hook.sh"];
        File.WriteAllText(script, $"#!/bin/sh\necho \"$0\" > {_tmp["argv0"]}\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        HookRunner.Run("poststart", [new Hook { Path = script }], State);

        Assert.Equal(script + "\n", File.ReadAllText(_tmp["argv0"]));
    }

    [Fact]
    public void Hook_gets_its_own_env_and_nothing_of_the_runtimes()
    {
        var hook = Sh("echo \"$FOO|${HOME-unset}\" > \"$0\"", _tmp["env"]);
        hook.Env = ["FOO=bar baz"];

        HookRunner.Run("createContainer", [hook], State);

        Assert.Equal("bar baz|unset\n", File.ReadAllText(_tmp["env"]));
    }

    [Fact]
    public void Hooks_of_a_phase_run_in_their_order()
    {
        HookRunner.Run("prestart", [Sh("echo 1 >> \"$0\"", _tmp["order"]), Sh("echo 2 >> \"$0\"", _tmp["order"]), Sh("echo 3 >> \"$0\"", _tmp["order"])], State);

        Assert.Equal("1\n2\n3\n", File.ReadAllText(_tmp["order"]));
    }

    [Fact]
    public void Absent_hook_list_runs_nothing()
    {
        HookRunner.Run("prestart", null, State);
    }

    [Fact]
    public void Failing_hooks_error_names_the_phase_index_path_exit_status_and_output()
    {
        var e = Assert.Throws<RuntimeException>(() =>
            HookRunner.Run("createRuntime", [Sh("exit 0"), Sh("echo to stdout; echo boom >&2; exit 3")], State));

        Assert.Equal("createRuntime hook #1 (/bin/sh): exit status 3, output: to stdout\nboom", e.Message);
    }

    [Fact]
    public void Failing_hook_without_output_reports_only_its_status()
    {
        var e = Assert.Throws<RuntimeException>(() => HookRunner.Run("prestart", [Sh("exit 1")], State));

        Assert.Equal("prestart hook #0 (/bin/sh): exit status 1", e.Message);
    }

    [Fact]
    public void First_failure_stops_the_remaining_hooks()
    {
        Assert.Throws<RuntimeException>(() =>
            HookRunner.Run("prestart", [Sh("exit 1"), Sh("touch \"$0\"", _tmp["ran"])], State));

        Assert.False(File.Exists(_tmp["ran"]));
    }

    [Fact]
    public void Hook_killed_by_a_signal_reports_the_signal()
    {
        var e = Assert.Throws<RuntimeException>(() => HookRunner.Run("poststart", [Sh("kill -KILL $$")], State));

        Assert.Equal("poststart hook #0 (/bin/sh): signal 9", e.Message);
    }

    [Fact]
    public void Missing_binary_is_reported_with_its_path()
    {
        var e = Assert.Throws<RuntimeException>(() =>
            HookRunner.Run("createRuntime", [new Hook { Path = "/nonexistent/hook" }], State));

        Assert.Equal("createRuntime hook #0 (/nonexistent/hook): exec /nonexistent/hook: no such file or directory (ENOENT)", e.Message);
    }

    [Fact]
    public void Hook_that_does_not_read_its_stdin_succeeds()
    {
        var bigState = State.Replace("\"/b\"", $"\"{new string('b', 1 << 20)}\"", StringComparison.Ordinal);

        HookRunner.Run("poststart", [Sh("exit 0")], bigState);
    }

    [Fact]
    public void Run_all_runs_every_hook_and_returns_each_failure()
    {
        var errors = HookRunner.RunAll("poststop", [Sh("exit 1"), Sh("touch \"$0\"", _tmp["ran"]), Sh("exit 2")], () => State);

        Assert.True(File.Exists(_tmp["ran"]));
        Assert.Equal(["poststop hook #0 (/bin/sh): exit status 1", "poststop hook #2 (/bin/sh): exit status 2"], errors);
    }

    [Fact]
    public void Run_all_of_an_absent_list_returns_no_failures()
    {
        Assert.Empty(HookRunner.RunAll("poststop", null, () => State));
    }

    [Fact]
    public void Output_keeps_multibyte_characters_whole()
    {
        var text = "x" + string.Concat(Enumerable.Repeat("é€", 3000));
        var hook = Sh("printf %s \"$TEXT\" >&2; exit 1");
        hook.Env = [$"TEXT={text}"];

        var e = Assert.Throws<RuntimeException>(() => HookRunner.Run("prestart", [hook], State));

        Assert.Equal($"prestart hook #0 (/bin/sh): exit status 1, output: {text}", e.Message);
    }

    [Fact]
    public void Output_in_the_error_is_capped()
    {
        var e = Assert.Throws<RuntimeException>(() =>
            HookRunner.Run("prestart", [Sh("head -c 1000000 /dev/zero | tr '\\0' x; exit 1")], State));

        Assert.InRange(e.Message.Length, 1000, 70_000);
    }
}

/// <summary>Hooks that outlive their welcome; apart from the others so their waits overlap them.</summary>
public sealed class HookRunnerTimeoutTests : IDisposable
{
    private const string State = """{"ociVersion":"1.2.0","id":"c1","status":"creating"}""";

    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Hook_past_its_timeout_is_killed_and_reported()
    {
        var hook = HookRunnerTests.Sh("echo $$ > \"$0\"; exec sleep 20", _tmp["pid"]);
        hook.Timeout = 1;
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<RuntimeException>(() => HookRunner.Run("createRuntime", [hook], State));

        Assert.Equal("createRuntime hook #0 (/bin/sh): timed out after 1s", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.False(Directory.Exists($"/proc/{File.ReadAllText(_tmp["pid"]).Trim()}"));
    }

    [Fact]
    public void Timeout_holds_for_a_hook_that_never_reads_a_large_state()
    {
        var hook = HookRunnerTests.Sh("exec sleep 20");
        hook.Timeout = 1;
        var bigState = State.Replace("\"c1\"", $"\"{new string('c', 1 << 20)}\"", StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<RuntimeException>(() => HookRunner.Run("createRuntime", [hook], bigState));

        Assert.EndsWith("timed out after 1s", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Hook_within_its_timeout_succeeds()
    {
        var hook = HookRunnerTests.Sh("exit 0");
        hook.Timeout = 5;

        HookRunner.Run("createRuntime", [hook], State);
    }

    [Fact]
    public void Child_left_behind_writing_after_the_hook_exits_does_not_disturb_the_runtime()
    {
        // The background child keeps the hook's stdout open and writes after the runner has stopped reading.
        HookRunner.Run("poststart", [HookRunnerTests.Sh("(sleep 1.5; echo late; touch \"$0\") & exit 0", _tmp["late"])], State);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(_tmp["late"]) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        Thread.Sleep(200);
        Assert.True(File.Exists(_tmp["late"]));
        HookRunner.Run("poststart", [HookRunnerTests.Sh("exit 0")], State);
    }
}
