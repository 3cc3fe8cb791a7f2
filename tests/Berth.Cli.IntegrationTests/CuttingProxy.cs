using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a registry that plays a poor network: it breaks one
/// connection (the first whose answer passes <see cref="CutAfter"/> bytes is reset mid-body, as a
/// dropped link would leave it), and it can pace answers to a few bytes a second, so a client can be
/// killed midway. It notes the byte ranges later requests asked for (a resumed download).
/// </summary>
internal sealed class CuttingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private int _cuts;
    private readonly List<long> _ranges = [];

    public CuttingProxy(Uri target, long cutAfter = long.MaxValue, int bytesPerSecond = 0)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        CutAfter = cutAfter;
        BytesPerSecond = bytesPerSecond;
        _listener.Start();
        _ = AcceptAsync();
    }

    public long CutAfter { get; }

    /// <summary>The pace of every answer; 0 for as fast as the registry sends.</summary>
    public int BytesPerSecond { get; }

    /// <summary>The first byte of every range asked for ("Range: bytes=N-").</summary>
    public IReadOnlyList<long> RangeStarts
    {
        get
        {
            lock (_ranges)
                return [.. _ranges];
        }
    }

    /// <summary>host:port of the proxy, for image references.</summary>
    public string Host => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Cuts => Volatile.Read(ref _cuts);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var upstream = new TcpClient();
            await upstream.ConnectAsync(_target, _stop.Token);
            lock (_open)
                _open.AddRange([client, upstream]);
            _ = PumpAsync(client, upstream, toClient: false);
            _ = PumpAsync(upstream, client, toClient: true);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool toClient)
    {
        var buffer = new byte[16 << 10];
        long total = 0;
        try
        {
            var source = from.GetStream();
            var sink = to.GetStream();
            int n;
            while ((n = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (!toClient)
                    NoteRange(Encoding.ASCII.GetString(buffer, 0, n));
                total += n;
                if (toClient && total > CutAfter && Interlocked.CompareExchange(ref _cuts, 1, 0) == 0)
                {
                    await sink.WriteAsync(buffer.AsMemory(0, n - (int)(total - CutAfter)), _stop.Token);
                    Reset(to);
                    Reset(from);
                    return;
                }
                await sink.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                if (toClient && BytesPerSecond > 0)
                    await Task.Delay(TimeSpan.FromSeconds((double)n / BytesPerSecond), _stop.Token);
            }
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            Reset(to);
        }
    }

    private void NoteRange(string request)
    {
        var at = request.IndexOf("\r\nRange: bytes=", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
            return;
        var start = request[(at + "\r\nRange: bytes=".Length)..];
        if (long.TryParse(start[..start.IndexOf('-')], out var first))
        {
            lock (_ranges)
                _ranges.Add(first);
        }
    }

    /// <summary>Closes with a TCP reset, not an orderly end: the reader sees its body cut short.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            // Close leaves Client null: a second reset of the same connection is a no-op.
            if (client.Client is { } socket)
                socket.LingerState = new LingerOption(true, 0);
            client.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_open)
        {
            foreach (var c in _open)
                Reset(c);
        }
        _stop.Dispose();
    }
}
