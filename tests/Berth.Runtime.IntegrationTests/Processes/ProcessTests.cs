using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Processes;

public sealed class ProcessTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Args_are_passed_verbatim()
    {
        var bundle = NewBundle().Args("/bin/sh", "-c", "for a in \"$@\"; do echo \"[$a]\"; done", "sh", "two words", "", "$HOME", "'q'");
        Assert.Equal("[two words]\n[]\n[$HOME]\n['q']\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Env_is_exactly_the_configs()
    {
        var bundle = NewBundle().Args("/bin/env");
        bundle.Process["env"] = new JsonArray("PATH=/bin", "BERTH_A=1", "BERTH_B=with space=and equals");
        var env = MustRun(bundle).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
        Assert.Contains("BERTH_A=1", env);
        Assert.Contains("BERTH_B=with space=and equals", env);
        Assert.Contains("PATH=/bin", env);
        Assert.DoesNotContain(env, e => e.StartsWith("BERTH_TEST_RUNTIME=", StringComparison.Ordinal));
    }

    [RuntimeFact]
    public void Cwd_is_the_configs()
    {
        var bundle = NewBundle().Args("/bin/pwd");
        bundle.Process["cwd"] = "/home/alice";
        Assert.Equal("/home/alice\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Cwd_that_does_not_exist_is_created_or_refused()
    {
        var bundle = NewBundle().Args("/bin/pwd");
        bundle.Process["cwd"] = "/new/work/dir";
        var r = RunForeground(bundle);
        Assert.True(r.Succeeded ? r.Stdout == "/new/work/dir\n" : r.Stdout.Length == 0, r.ToString());
    }

    [RuntimeFact]
    public void User_uid_gid_and_additional_gids_are_applied()
    {
        var bundle = NewBundle().Shell("id -u; id -g; grep '^Groups:' /proc/self/status");
        bundle.Process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000, ["additionalGids"] = new JsonArray(4242, 5) };
        var lines = MustRun(bundle).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1000", lines[0]);
        Assert.Equal("1000", lines[1]);
        var groups = lines[2]["Groups:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("4242", groups);
        Assert.Contains("5", groups);
    }

    [RuntimeFact]
    public void User_without_additional_gids_has_no_supplementary_groups_of_the_runtime()
    {
        var bundle = NewBundle().Shell("grep '^Groups:' /proc/self/status");
        bundle.Process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
        var groups = MustRun(bundle).Trim()["Groups:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        Assert.True(groups.All(g => g == "1000"), $"unexpected groups: {string.Join(' ', groups)}");
    }

    [RuntimeFact]
    public void Umask_is_applied()
    {
        var bundle = NewBundle().Args("/bin/sh", "-c", "umask");
        bundle.Process["user"]!["umask"] = Convert.ToInt32("027", 8);
        Assert.Equal("0027\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Rlimit_nofile_soft_and_hard_are_applied()
    {
        var bundle = NewBundle().Shell("ulimit -n; ulimit -Hn");
        bundle.Process["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["soft"] = 512, ["hard"] = 768 });
        Assert.Equal("512\n768\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void No_new_privileges_sets_NoNewPrivs()
    {
        var bundle = NewBundle().Args("/bin/grep", "^NoNewPrivs:", "/proc/self/status");
        bundle.Process["noNewPrivileges"] = true;
        Assert.Equal("NoNewPrivs:\t1\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Without_no_new_privileges_NoNewPrivs_is_0()
    {
        var bundle = NewBundle().Args("/bin/grep", "^NoNewPrivs:", "/proc/self/status");
        bundle.Process["noNewPrivileges"] = false;
        Assert.Equal("NoNewPrivs:\t0\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Oom_score_adj_is_applied()
    {
        var bundle = NewBundle().Args("/bin/cat", "/proc/self/oom_score_adj");
        bundle.Process["oomScoreAdj"] = 123;
        Assert.Equal("123\n", MustRun(bundle));
    }

    [RuntimeFact]
    public void Stdin_stdout_and_stderr_are_passed_through_by_run()
    {
        var input = Path.Combine(Dir, "stdin.txt");
        File.WriteAllText(input, "line one\nline two\n");
        var bundle = NewBundle().Shell("cat; echo to-stderr >&2");
        var r = RunForeground(bundle, options: new ExecOptions { StdinPath = input });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("line one\nline two\n", r.Stdout);
        Assert.Contains("to-stderr\n", r.Stderr);
    }

    [RuntimeFact]
    public void Stdio_of_create_becomes_the_containers()
    {
        var bundle = NewBundle().Shell("echo out; echo err >&2");
        var id = NewId("stdio");
        MustCreate(bundle, id);
        Must(Rt("start", id));
        WaitForStatus(id, "stopped");
        Assert.Equal("out\n", bundle.ReadStdout());
        Assert.Contains("err\n", bundle.ReadStderr());
    }

    [RuntimeFact]
    public void Preserve_fds_1_passes_fd_3()
    {
        var file = Path.Combine(Dir, "fd3.txt");
        File.WriteAllText(file, "through-fd-3\n");
        var bundle = NewBundle().Shell("cat <&3; ls /proc/self/fd | sort -n | tr '\\n' ' '");
        var r = RunForeground(bundle, options: new ExecOptions { ExtraFds = new Dictionary<int, string> { [3] = file } }, extraFlags: ["--preserve-fds", "1"]);
        Assert.True(r.Succeeded, r.ToString());
        Assert.StartsWith("through-fd-3\n", r.Stdout);
    }

    [RuntimeFact]
    public void Without_preserve_fds_only_stdio_reach_the_process()
    {
        var file = Path.Combine(Dir, "fd3.txt");
        File.WriteAllText(file, "must-not-pass\n");
        // ls opens one directory fd of its own (the highest number it prints)
        var bundle = NewBundle().Shell("ls /proc/self/fd | sort -n | tr '\\n' ' '");
        var r = RunForeground(bundle, options: new ExecOptions { ExtraFds = new Dictionary<int, string> { [3] = file } });
        Assert.True(r.Succeeded, r.ToString());
        Assert.Equal("0 1 2 3 ", r.Stdout);
    }
}
