using System.Net.Sockets;
using System.Text;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// The receiving end of <c>--console-socket</c>: a unix socket the runtime connects to and sends the
/// pty master over with SCM_RIGHTS (.NET has no API for ancillary data, hence recvmsg). Everything the
/// container writes to its terminal can then be read from the master until the last slave closes.
/// </summary>
public sealed unsafe class ConsoleSocketReceiver : IDisposable
{
    private readonly Socket _listener;
    private readonly Task<int> _master;
    private int _masterFd = -1;

    public ConsoleSocketReceiver(string path)
    {
        SocketPath = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        _master = Task.Run(() =>
        {
            using var connection = _listener.Accept();
            return Native.ReceiveFd(connection.Handle);
        });
    }

    public string SocketPath { get; }

    /// <summary>The received pty master, or an exception if none arrived in time.</summary>
    public int Master(TimeSpan timeout)
    {
        if (_masterFd >= 0)
        {
            return _masterFd;
        }

        if (!_master.Wait(timeout))
        {
            throw new TimeoutException("no pty master received on the console socket");
        }

        _masterFd = _master.Result;
        return _masterFd;
    }

    /// <summary>Reads the terminal until EOF/EIO (every slave closed) or until <paramref name="until"/> appears.</summary>
    public string ReadAll(TimeSpan timeout, string? until = null)
    {
        var fd = Master(timeout);
        var text = new StringBuilder();
        var deadline = DateTime.UtcNow + timeout;
        var buffer = stackalloc byte[4096];
        while (DateTime.UtcNow < deadline)
        {
            var poll = new Native.PollFd { Fd = fd, Events = Native.POLLIN };
            if (Native.Poll(&poll, 1, 100) <= 0)
            {
                continue;
            }

            var n = Native.Read(fd, buffer, 4096);
            if (n <= 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, (int)n));
            if (until is not null && text.ToString().Contains(until, StringComparison.Ordinal))
            {
                break;
            }
        }

        return text.ToString();
    }

    public void Dispose()
    {
        _listener.Dispose();
        if (_masterFd >= 0)
        {
            Native.Close(_masterFd);
        }
        else if (_master.IsCompletedSuccessfully)
        {
            Native.Close(_master.Result);
        }

        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
    }
}
