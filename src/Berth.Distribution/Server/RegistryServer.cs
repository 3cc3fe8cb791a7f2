using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Berth.Distribution.Protocol;
using Berth.Distribution.Server.Auth;
using Berth.Distribution.Server.Storage;
using Berth.Images.Content;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Distribution.Server;

/// <summary>
/// <c>berth registry serve</c>: an OCI distribution spec 1.1 registry on Kestrel. Built with
/// <see cref="WebApplication.CreateSlimBuilder()"/> and one hand-written dispatch over
/// <see cref="RegistryRoute"/>, so it stays NativeAOT-clean (no minimal-API reflection, no MVC).
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private const string Realm = "berth-registry";

    private readonly WebApplication _app;
    private readonly RegistryStorage _storage;
    private readonly RegistryRootLock _rootLock;
    private readonly BasicAuthenticator? _auth;
    private readonly bool _readOnly;
    private readonly BlobHandler _blobs;
    private readonly UploadHandler _uploads;
    private readonly ManifestHandler _manifests;
    private readonly ListingHandler _listings;

    private RegistryServer(RegistryOptions options, RegistryStorage storage, RegistryRootLock rootLock, BasicAuthenticator? auth)
    {
        _storage = storage;
        _rootLock = rootLock;
        _auth = auth;
        _readOnly = options.ReadOnly;
        _blobs = new BlobHandler(storage);
        _uploads = new UploadHandler(storage);
        _manifests = new ManifestHandler(storage);
        _listings = new ListingHandler(storage);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = storage.Root });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Blobs are gigabytes; they stream to disk, so Kestrel's 30 MB body cap does not apply.
            kestrel.Limits.MaxRequestBodySize = null;
            // Room for a few of BlobHandler's chunks per connection, so the socket sends one chunk while
            // the next is read; Kestrel's default (64 KiB) makes every blob chunk wait for the socket.
            kestrel.Limits.MaxResponseBufferSize = 4 * BlobHandler.ChunkSize;
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen, listen =>
            {
                if (options.TlsCertificateFile is { } cert)
                {
                    var certificate = LoadCertificate(cert, options.TlsKeyFile ?? throw new ArgumentException("--tls-cert needs --tls-key"));
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    });
                }
            });
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>The URL the server listens on (with the port chosen when asked for port 0); set once started.</summary>
    public Uri? Address { get; private set; }

    public RegistryStorage Storage => _storage;

    /// <summary>Opens the root, loads the htpasswd file and the certificate, and starts listening.</summary>
    public static async Task<RegistryServer> StartAsync(RegistryOptions options, CancellationToken cancel = default)
    {
        if (options.TlsKeyFile is not null && options.TlsCertificateFile is null)
            throw new ArgumentException("--tls-key needs --tls-cert");
        var auth = options.HtpasswdFile is { } htpasswd ? new BasicAuthenticator(HtpasswdFile.Load(htpasswd)) : null;
        var rootLock = RegistryRootLock.Acquire(options.Root, exclusive: !options.ReadOnly, "registry serve");
        RegistryStorage storage;
        try
        {
            storage = new RegistryStorage(options.Root, options.UploadTimeout);
        }
        catch
        {
            rootLock.Dispose();
            throw;
        }
        try
        {
            // A read-only server writes nothing, not even its cleanup: gc may be working on the root.
            if (!options.ReadOnly)
                storage.CleanAtStartup();
            var server = new RegistryServer(options, storage, rootLock, auth);
            await server._app.StartAsync(cancel).ConfigureAwait(false);
            var addresses = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
            var address = addresses?.Addresses.FirstOrDefault() ?? throw new InvalidOperationException("registry: kestrel reported no listening address");
            server.Address = new Uri(address.Replace("://[::]", "://[::1]", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal));
            return server;
        }
        catch
        {
            storage.Dispose();
            rootLock.Dispose();
            throw;
        }
    }

    /// <summary>Runs until <paramref name="cancel"/> fires (SIGINT/SIGTERM in the CLI).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel) => Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(_app, cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _storage.Dispose();
        _rootLock.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers[RegistryHttp.ApiVersionHeader] = "registry/2.0";
        try
        {
            if (_auth is not null && _auth.Authenticate(context.Request.Headers.Authorization) is null)
            {
                context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\"";
                throw new ErrorResponseException(401, ErrorCodes.Unauthorized, "authentication required");
            }
            var route = RegistryRoute.Parse(context.Request.Path.Value ?? "");
            if (route is null)
                throw new ErrorResponseException(404, ErrorCodes.Unsupported, "no such endpoint", context.Request.Path.Value);
            if (route.Kind != RouteKind.Base && route.Kind != RouteKind.Catalog)
                RegistryHttp.CheckName(route.Name);
            var method = context.Request.Method;
            var write = !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method));
            if (write && _readOnly)
                throw new ErrorResponseException(405, ErrorCodes.Unsupported, "the registry is read-only", $"{method} {context.Request.Path.Value}");
            await DispatchAsync(context, route, method).ConfigureAwait(false);
        }
        catch (ErrorResponseException e)
        {
            await RegistryHttp.WriteErrorAsync(context, e).ConfigureAwait(false);
        }
        catch (ContentException e) when (!context.Response.HasStarted)
        {
            await RegistryHttp.WriteErrorAsync(context, new ErrorResponseException(500, ErrorCodes.Unsupported, "storage error", e.Message)).ConfigureAwait(false);
        }
    }

    private Task DispatchAsync(HttpContext context, RegistryRoute route, string method) => (route.Kind, method) switch
    {
        (RouteKind.Base, "GET" or "HEAD") => Ok(context),
        (RouteKind.Catalog, "GET") => _listings.CatalogAsync(context),
        (RouteKind.Tags, "GET") => _listings.TagsAsync(context, route.Name),
        (RouteKind.Referrers, "GET") => _listings.ReferrersAsync(context, route.Name, route.Reference),
        (RouteKind.Manifest, "GET" or "HEAD") => _manifests.GetAsync(context, route.Name, route.Reference),
        (RouteKind.Manifest, "PUT") => _manifests.PutAsync(context, route.Name, route.Reference),
        (RouteKind.Manifest, "DELETE") => _manifests.DeleteAsync(context, route.Name, route.Reference),
        (RouteKind.Blob, "GET" or "HEAD") => _blobs.GetAsync(context, route.Name, route.Reference),
        (RouteKind.Blob, "DELETE") => _blobs.DeleteAsync(context, route.Name, route.Reference),
        (RouteKind.UploadStart, "POST") => _uploads.StartAsync(context, route.Name),
        (RouteKind.Upload, "PATCH") => _uploads.PatchAsync(context, route.Name, route.Reference),
        (RouteKind.Upload, "PUT") => _uploads.PutAsync(context, route.Name, route.Reference),
        (RouteKind.Upload, "GET") => _uploads.StatusAsync(context, route.Name, route.Reference),
        (RouteKind.Upload, "DELETE") => _uploads.CancelAsync(context, route.Name, route.Reference),
        _ => throw new ErrorResponseException(405, ErrorCodes.Unsupported, "the operation is unsupported", $"{method} {context.Request.Path.Value}"),
    };

    private static Task Ok(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = 2;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync("{}");
    }

    private static X509Certificate2 LoadCertificate(string certFile, string keyFile)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // SslStream on Linux wants a certificate whose key is not ephemeral for session resumption;
            // a PKCS#12 round trip gives it one.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            throw new ArgumentException($"tls certificate {certFile} with key {keyFile}: {e.Message}", e);
        }
    }
}
