using System.Diagnostics;
using System.Text;
using Berth.Linux;

namespace Berth.Runtime.Init;

/// <summary>
/// Debug lines of the managed init stage on the log pipe, in the JSON shape the C stages use, so
/// a failure inside the container's namespaces can be followed from the runtime's --log.
/// </summary>
public static class InitLog
{
    private static int s_fd = -1;
    private static readonly long s_start = Stopwatch.GetTimestamp();

    public static void Open(int fd, bool debug) => s_fd = debug ? fd : -1;

    public static void Debug(string message)
    {
        if (s_fd < 0)
            return;
        var ms = Stopwatch.GetElapsedTime(s_start).TotalMilliseconds;
        var text = message.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        var line = $"{{\"level\":\"debug\",\"msg\":\"init[{Environment.ProcessId}] +{ms:F1}ms: {text}\"}}\n";
        try
        {
            Sys.Write(s_fd, Encoding.UTF8.GetBytes(line), "log pipe");
        }
        catch (LinuxException)
        {
            s_fd = -1;
        }
    }
}
