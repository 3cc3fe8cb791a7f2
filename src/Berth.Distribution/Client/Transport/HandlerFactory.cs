using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Berth.Distribution.Client.Tls;

namespace Berth.Distribution.Client.Transport;

/// <summary>
/// One <see cref="SocketsHttpHandler"/> per host and trust mode, with certs.d applied. Redirects
/// are never followed by the handler: <see cref="RegistryTransport"/> follows them itself so that
/// credentials stay with the registry (REG-AUTH-2).
/// </summary>
public sealed class HandlerFactory(RegistryClientOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<(string Authority, bool SkipVerify), HttpMessageInvoker> _invokers = new();

    /// <summary>The invoker for requests to <paramref name="uri"/>'s host.</summary>
    public HttpMessageInvoker For(Uri uri, bool skipVerify) =>
        _invokers.GetOrAdd((uri.Authority, skipVerify), key => new HttpMessageInvoker(Create(key.Authority, key.SkipVerify), disposeHandler: true));

    private SocketsHttpHandler Create(string authority, bool skipVerify)
    {
        var tls = options.Certs.Load(authority);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = true,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificates = tls.ClientCertificates,
                RemoteCertificateValidationCallback = skipVerify
                    ? (_, _, _, _) => true
                    : (_, cert, chain, errors) => CertificateValidator.Validate(cert, chain, errors, tls.ExtraRoots),
            },
        };
        if (options.Resolve.Count > 0)
            handler.ConnectCallback = ConnectAsync;
        return handler;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        EndPoint target = context.DnsEndPoint;
        if (options.Resolve.TryGetValue($"{host}:{port}", out var to) && IPEndPoint.TryParse(to, out var ip))
            target = ip;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var invoker in _invokers.Values)
            invoker.Dispose();
        _invokers.Clear();
    }
}
