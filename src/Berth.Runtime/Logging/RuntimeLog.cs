using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Logging;

/// <summary>
/// The --log file in runc's formats, as logrus writes them: text (<c>time="…" level=error msg="…"</c>)
/// or JSON lines (<c>{"level":"error","msg":"…","time":"…"}</c>), which containerd's runc shim reads
/// back to report why a command failed.
/// </summary>
public sealed class RuntimeLog
{
    // include/uapi/asm-generic/fcntl.h. Every runtime command appends to the same file: with
    // O_APPEND the kernel puts each line at the end, where a seek-then-write would overwrite lines
    // of a concurrent command.
    private const int O_APPEND = 0x400;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly HashSet<string> Levels = ["panic", "fatal", "error", "warning", "info", "debug", "trace"];

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

    /// <summary>
    /// Logs a line a stage wrote to the log pipe. As runc's libcontainer/logs does, the line is
    /// decoded as <c>{"level","msg"}</c> and logged again in this log's format, with the time; a
    /// line that is not such an object is logged as its text.
    /// </summary>
    public void Raw(string line)
    {
        if (_path is null || line.Length == 0)
            return;
        var (level, message) = DecodeStageLine(line);
        if (level is "debug" or "trace" && !Debug)
            return;
        Write(level, message);
    }

    private static (string Level, string Message) DecodeStageLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                var level = root.TryGetProperty("level", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString()! : "info";
                if (level == "warn")
                    level = "warning";
                var message = root.TryGetProperty("msg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : line;
                return (Levels.Contains(level) ? level : "info", message);
            }
        }
        catch (JsonException)
        {
        }
        return ("info", line);
    }

    private void Write(string level, string message)
    {
        if (_path is null)
            return;
        var time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        byte[] line;
        if (_json)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer, JsonOptions))
            {
                w.WriteStartObject();
                w.WriteString("level", level);
                w.WriteString("msg", message);
                w.WriteString("time", time);
                w.WriteEndObject();
            }
            buffer.Write("\n"u8);
            line = buffer.WrittenSpan.ToArray();
        }
        else
            line = Encoding.UTF8.GetBytes($"time=\"{time}\" level={level} msg={TextValue(message)}\n");
        Append(line);
    }

    private void Append(byte[] line)
    {
        lock (_gate)
        {
            try
            {
                using var fd = Sys.Open(_path!, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | O_APPEND, 0b110_100_100);
                Sys.Write(fd.Value, line, _path!);
            }
            catch (LinuxException)
            {
                // The log is best effort: failing to write it must not fail the command.
            }
        }
    }

    /// <summary>A value as logrus's text formatter writes it: bare when made of [A-Za-z0-9-._/@^+], else Go-quoted.</summary>
    private static string TextValue(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '/' or '@' or '^' or '+'))
            return value;
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (IsGoPrintable(rune))
                        sb.Append(rune.ToString());
                    else if (rune.Value < 0x80)
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    else if (rune.IsBmp)
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}");
                    else
                        sb.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}");
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsGoPrintable(Rune rune) =>
        rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
        {
            <= UnicodeCategory.OtherNumber => true,
            >= UnicodeCategory.ConnectorPunctuation and <= UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
}
