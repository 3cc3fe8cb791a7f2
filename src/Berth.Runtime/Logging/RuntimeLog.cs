using System.Text;
using System.Text.Json;

namespace Berth.Runtime.Logging;

/// <summary>
/// The --log file in runc's formats: text (<c>time="…" level=error msg="…"</c>) or JSON lines
/// (<c>{"level":"error","msg":"…","time":"…"}</c>), which containerd's runc shim reads back to
/// report why a command failed.
/// </summary>
public sealed class RuntimeLog
{
    private readonly string? _path;
    private readonly bool _json;
    private readonly object _gate = new();

    public RuntimeLog(string? path, string format, bool debug)
    {
        _path = string.IsNullOrEmpty(path) ? null : path;
        _json = format == "json";
        Debug = debug;
    }

    public static RuntimeLog None { get; } = new(null, "text", false);

    public bool Debug { get; }

    public void Error(string message) => Write("error", message);

    public void Warn(string message) => Write("warning", message);

    public void DebugLine(string message)
    {
        if (Debug)
            Write("debug", message);
    }

    /// <summary>Appends a line a stage already formatted as JSON (from the log pipe).</summary>
    public void Raw(string jsonLine)
    {
        if (_path is null)
            return;
        if (_json)
        {
            Append(jsonLine + "\n");
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(jsonLine);
            var level = doc.RootElement.TryGetProperty("level", out var l) ? l.GetString() ?? "info" : "info";
            var msg = doc.RootElement.TryGetProperty("msg", out var m) ? m.GetString() ?? "" : jsonLine;
            Write(level, msg);
        }
        catch (JsonException)
        {
            Write("info", jsonLine);
        }
    }

    private void Write(string level, string message)
    {
        if (_path is null)
            return;
        var time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        string line;
        if (_json)
        {
            var sb = new StringBuilder("{\"level\":");
            sb.Append(JsonEncode(level)).Append(",\"msg\":").Append(JsonEncode(message)).Append(",\"time\":").Append(JsonEncode(time)).Append("}\n");
            line = sb.ToString();
        }
        else
            line = $"time=\"{time}\" level={level} msg={JsonEncode(message)}\n";
        Append(line);
    }

    private void Append(string line)
    {
        lock (_gate)
        {
            try
            {
                File.AppendAllText(_path!, line);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string JsonEncode(string s) => JsonSerializer.Serialize(s, LogJsonContext.Default.String);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class LogJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
