using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Runtime.Logging;
using Berth.Runtime.Tests.State;

namespace Berth.Runtime.Tests.Logging;

/// <summary>
/// The --log file as runc writes it with logrus: JSON lines whose keys are level, msg and time
/// (containerd's shim decodes them to report a failure), or logrus's text format.
/// </summary>
public sealed partial class RuntimeLogTests : IDisposable
{
    private readonly TempDir _tmp = new();

    private string LogPath => _tmp["log.json"];

    public void Dispose() => _tmp.Dispose();

    private RuntimeLog Json(bool debug = false) => new(LogPath, "json", debug);

    private RuntimeLog Text(bool debug = false) => new(LogPath, "text", debug);

    private string[] Lines() => File.ReadAllLines(LogPath);

    private JsonElement SingleJson()
    {
        using var doc = JsonDocument.Parse(Assert.Single(Lines()));
        return doc.RootElement.Clone();
    }

    // RFC 3339, as Go's time.Time unmarshals it.
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")]
    private static partial Regex Rfc3339();

    [Fact]
    public void Json_line_has_exactly_level_msg_and_time_in_that_order()
    {
        Json().Error("container_linux.go: starting container process caused: exec failed");

        var line = SingleJson();
        Assert.Equal(["level", "msg", "time"], line.EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", line.GetProperty("level").GetString());
        Assert.Equal("container_linux.go: starting container process caused: exec failed", line.GetProperty("msg").GetString());
    }

    [Fact]
    public void Json_time_is_rfc3339()
    {
        Json().Error("x");

        Assert.Matches(Rfc3339(), SingleJson().GetProperty("time").GetString());
    }

    [Fact]
    public void Json_time_is_the_time_of_writing()
    {
        Json().Error("x");

        var time = DateTimeOffset.Parse(SingleJson().GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public void Json_warning_level_is_spelled_as_logrus_spells_it()
    {
        Json().Warn("x");

        Assert.Equal("warning", SingleJson().GetProperty("level").GetString());
    }

    [Fact]
    public void Json_message_with_quotes_newlines_and_unicode_reads_back_unchanged()
    {
        const string message = "exec: \"foo\": can't <find> it\nline two\t\u00e9\u0001";
        Json().Error(message);

        Assert.Equal(message, SingleJson().GetProperty("msg").GetString());
    }

    [Fact]
    public void Lines_are_appended_after_what_the_file_holds()
    {
        File.WriteAllText(LogPath, "{\"level\":\"info\",\"msg\":\"earlier\",\"time\":\"2024-01-01T00:00:00Z\"}\n");

        Json().Error("now");

        Assert.Equal(2, Lines().Length);
        Assert.Contains("earlier", Lines()[0]);
    }

    [Fact]
    public void Writers_sharing_the_file_do_not_overwrite_each_other()
    {
        // Every runtime command appends to the same file; each line must land whole at the end.
        var logs = Enumerable.Range(0, 8).Select(_ => Json()).ToArray();

        AtomicFileTests.Concurrently(logs.Length, i =>
        {
            for (var n = 0; n < 200; n++)
                logs[i].Error($"writer {i} line {n}");
        });

        var lines = Lines();
        Assert.Equal(1600, lines.Length);
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public void Debug_lines_are_written_only_with_debug()
    {
        Json(debug: false).DebugLine("hidden");
        Json(debug: true).DebugLine("shown");

        Assert.Equal("debug", SingleJson().GetProperty("level").GetString());
        Assert.Equal("shown", SingleJson().GetProperty("msg").GetString());
    }

    [Fact]
    public void Log_without_a_path_writes_nothing()
    {
        RuntimeLog.None.Error("x");
        new RuntimeLog("", "json", true).Error("x");

        Assert.False(File.Exists(LogPath));
    }

    [Fact]
    public void Unwritable_log_does_not_fail_the_command()
    {
        var log = new RuntimeLog(_tmp.Path, "json", false);

        log.Error("x");
        log.Raw("{\"level\":\"error\",\"msg\":\"x\"}");
    }

    [Fact]
    public void Log_in_a_missing_folder_does_not_fail_the_command()
    {
        new RuntimeLog(_tmp["missing/log.json"], "json", false).Error("x");
    }

    [Fact]
    public void Text_line_is_time_level_and_msg_as_logrus_writes_them()
    {
        Text().Error("mount proc on /proc: permission denied");

        var line = Assert.Single(Lines());
        var m = Regex.Match(line, "^time=\"([^\"]+)\" level=error msg=\"mount proc on /proc: permission denied\"$");
        Assert.True(m.Success, line);
        Assert.Matches(Rfc3339(), m.Groups[1].Value);
    }

    [Fact]
    public void Text_message_is_quoted_as_go_quotes_strings()
    {
        Text().Error("exec: \"foo\": can't <run> é\nnext");

        Assert.EndsWith(" level=error msg=\"exec: \\\"foo\\\": can't <run> é\\nnext\"", Assert.Single(Lines()));
    }

    [Fact]
    public void Text_message_of_plain_characters_is_not_quoted()
    {
        Text().Warn("ok");

        Assert.EndsWith(" level=warning msg=ok", Assert.Single(Lines()));
    }

    [Fact]
    public void Stage_json_line_is_rewritten_with_its_level_msg_and_a_time()
    {
        Json().Raw("{\"level\":\"error\",\"msg\":\"nsexec-1[42]: setns net: invalid argument\"}");

        var line = SingleJson();
        Assert.Equal(["level", "msg", "time"], line.EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", line.GetProperty("level").GetString());
        Assert.Equal("nsexec-1[42]: setns net: invalid argument", line.GetProperty("msg").GetString());
        Assert.Matches(Rfc3339(), line.GetProperty("time").GetString());
    }

    [Fact]
    public void Stage_text_line_becomes_a_text_log_line()
    {
        Text().Raw("{\"level\":\"error\",\"msg\":\"nsexec-1[42]: boom\"}");

        Assert.Matches("^time=\"[^\"]+\" level=error msg=\"nsexec-1\\[42\\]: boom\"$", Assert.Single(Lines()));
    }

    [Fact]
    public void Stage_line_that_is_not_json_is_logged_as_its_text()
    {
        Json().Raw("Unhandled exception. System.Exception: boom");

        Assert.Equal("Unhandled exception. System.Exception: boom", SingleJson().GetProperty("msg").GetString());
    }

    [Fact]
    public void Stage_line_with_a_raw_control_character_still_gives_valid_json()
    {
        Json().Raw("{\"level\":\"error\",\"msg\":\"bad\u0001byte\"}");

        Assert.Contains("bad", SingleJson().GetProperty("msg").GetString());
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    [InlineData("{\"level\":3,\"msg\":{}}")]
    public void Stage_line_of_another_json_shape_is_logged_without_failing(string raw)
    {
        Text().Raw(raw);
        Json().Raw(raw);

        Assert.Equal(2, Lines().Length);
    }

    [Fact]
    public void Stage_object_without_a_msg_keeps_its_level_and_logs_the_line()
    {
        Json().Raw("{\"level\":\"error\",\"error\":\"boom\"}");

        var line = SingleJson();
        Assert.Equal("error", line.GetProperty("level").GetString());
        Assert.Equal("{\"level\":\"error\",\"error\":\"boom\"}", line.GetProperty("msg").GetString());
    }

    [Fact]
    public void Stage_warn_level_is_written_as_warning()
    {
        Json().Raw("{\"level\":\"warn\",\"msg\":\"x\"}");

        Assert.Equal("warning", SingleJson().GetProperty("level").GetString());
    }

    [Fact]
    public void Stage_debug_line_is_dropped_without_debug()
    {
        Json(debug: false).Raw("{\"level\":\"debug\",\"msg\":\"nsexec-1[42]: unshare\"}");

        Assert.False(File.Exists(LogPath) && Lines().Length > 0);
    }

    [Fact]
    public void Empty_stage_line_is_ignored()
    {
        Json().Raw("");

        Assert.False(File.Exists(LogPath) && Lines().Length > 0);
    }
}
