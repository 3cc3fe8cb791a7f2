using System.Collections.Concurrent;
using Berth.Distribution.Client.Pull;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary>
/// Prints a pull as docker does: on a terminal one progress bar per layer; otherwise one line per
/// layer and step ("abc123: Pull complete"), without byte counts.
/// </summary>
public sealed class PullProgressView(bool interactive, bool quiet)
{
    private readonly ConcurrentDictionary<string, LayerPhase> _printed = new();
    private readonly ConcurrentDictionary<string, ProgressTask> _bars = new();
    private readonly Lock _lock = new();
    private ProgressContext? _context;

    /// <summary>Runs <paramref name="pull"/> with this view attached; the bars go away when it returns.</summary>
    public T Run<T>(Func<Action<LayerProgress>, T> pull)
    {
        if (quiet)
            return pull(_ => { });
        if (!interactive)
            return pull(Line);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn())
            .Start(ctx =>
            {
                _context = ctx;
                result = pull(Bar);
            });
        return result;
    }

    private void Line(LayerProgress e)
    {
        if (e.Phase == LayerPhase.Downloading || (_printed.TryGetValue(e.Id, out var last) && last == e.Phase))
            return;
        _printed[e.Id] = e.Phase;
        var text = Describe(e.Phase);
        lock (_lock)
            Console.Out.Write($"{e.Id}: {text}\n");
    }

    private void Bar(LayerProgress e)
    {
        var task = _bars.GetOrAdd(e.Id, id => _context!.AddTask(id, maxValue: Math.Max(1, e.Total)));
        task.Description = $"{e.Id}: {Describe(e.Phase)}";
        task.Value = e.Phase == LayerPhase.Downloading ? e.Current : e.Phase == LayerPhase.Waiting ? 0 : task.MaxValue;
    }

    private static string Describe(LayerPhase phase) => phase switch
    {
        LayerPhase.Waiting => "Pulling fs layer",
        LayerPhase.Downloading => "Downloading",
        LayerPhase.Downloaded => "Download complete",
        LayerPhase.AlreadyExists => "Already exists",
        LayerPhase.Extracting => "Extracting",
        _ => "Pull complete",
    };
}
