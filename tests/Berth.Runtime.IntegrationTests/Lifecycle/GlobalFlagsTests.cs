using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Lifecycle;

public sealed class GlobalFlagsTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Log_with_log_format_json_writes_errors_as_json_lines()
    {
        var log = Path.Combine(Dir, "runtime.log");
        var r = Rt("--log", log, "--log-format", "json", "start", NewId("nope"));
        Assert.NotEqual(0, r.ExitCode);
        var lines = File.ReadAllLines(log).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        var entries = lines.Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Contains(entries, e => (string?)e["level"] == "error" && !string.IsNullOrEmpty((string?)e["msg"]));
    }

    [RuntimeFact]
    public void Debug_flag_is_accepted_before_the_verb()
    {
        var bundle = NewBundle().Args("/bin/echo", "debug-ok");
        var id = NewId("dbg");
        Prepare(bundle, id);
        var r = Rt("--debug", "--log", Path.Combine(Dir, "debug.log"), "run", "--bundle", bundle.Path, id);
        Assert.True(r.Succeeded, r.ToString());
        Assert.Equal("debug-ok\n", r.Stdout);
    }

    /// <summary>Callers parse this (go-runc's Version reads "runc version X", "commit: …", "spec: …").</summary>
    [RuntimeFact]
    public void Version_prints_a_name_version_line_and_the_spec_version()
    {
        var lines = Must(Rt("--version")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\S+ version \S+$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("spec: 1.", StringComparison.Ordinal));
    }
}
