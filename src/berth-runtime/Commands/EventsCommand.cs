using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Berth.Oci.Runtime;
using Berth.Runtime;
using Berth.Runtime.Cgroups.Oom;
using Berth.Runtime.Cgroups.Stats;

namespace Berth.RuntimeCli.Commands;

/// <summary>events: the container's stats once (--stats) or as a stream every --interval, with oom events, in runc's JSON.</summary>
public static class EventsCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var stats = new Option<bool>("--stats") { Description = "display the container's stats then exit" };
        var interval = new Option<string>("--interval") { Description = "set the stats collection interval", DefaultValueFactory = _ => "5s" };
        var cmd = new Command("events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics") { id, stats, interval };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var container = Container.Load(ctx.Store, p.GetValue(id) ?? "");
            if (p.GetValue(stats))
            {
                Print("stats", container.Id, container.Stats());
                return 0;
            }
            var every = ParseInterval(p.GetValue(interval) ?? "5s");
            using var stop = new CancellationTokenSource();
            var oom = container.Cgroup is { } cg ? WatchOom(cg, container.Id, stop.Token) : null;
            while (container.Status != ContainerStatus.Stopped)
            {
                Print("stats", container.Id, container.Stats());
                Thread.Sleep(every);
            }
            stop.Cancel();
            oom?.Join(TimeSpan.FromSeconds(1));
            return 0;
        }));
        return cmd;
    }

    private static readonly object Gate = new();

    private static void Print(string type, string id, CgroupStats? data)
    {
        var line = $"{{\"type\":\"{type}\",\"id\":{JsonSerializer.Serialize(id, EventsJsonContext.Default.String)}"
            + (data is null ? "" : ",\"data\":" + JsonSerializer.Serialize(data, CgroupStatsJsonContext.Default.CgroupStats)) + "}";
        lock (Gate)
            Console.Out.WriteLine(line);
    }

    private static Thread WatchOom(Berth.Runtime.Cgroups.ICgroupManager cgroup, string id, CancellationToken token)
    {
        var t = new Thread(() =>
        {
            try
            {
                using var notifier = OomNotifier.Open(cgroup);
                foreach (var _ in notifier.Events(token))
                    Print("oom", id, null);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or Berth.Runtime.Cgroups.CgroupException or Berth.Linux.LinuxException)
            {
            }
        })
        { IsBackground = true, Name = "oom" };
        t.Start();
        return t;
    }

    /// <summary>Go durations as runc takes them: 500ms, 5s, 1m, 1h30m.</summary>
    public static TimeSpan ParseInterval(string s)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.'))
                i++;
            var unitStart = i;
            while (i < s.Length && char.IsLetter(s[i]))
                i++;
            if (start == unitStart || !double.TryParse(s[start..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v))
                throw new RuntimeException($"--interval: invalid duration \"{s}\"");
            total += s[unitStart..i] switch
            {
                "ns" => TimeSpan.FromTicks((long)(v / 100)),
                "us" or "µs" => TimeSpan.FromTicks((long)(v * 10)),
                "ms" => TimeSpan.FromMilliseconds(v),
                "s" => TimeSpan.FromSeconds(v),
                "m" => TimeSpan.FromMinutes(v),
                "h" => TimeSpan.FromHours(v),
                _ => throw new RuntimeException($"--interval: invalid duration \"{s}\""),
            };
        }
        return total > TimeSpan.Zero ? total : throw new RuntimeException("--interval: duration must be greater than 0");
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class EventsJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
