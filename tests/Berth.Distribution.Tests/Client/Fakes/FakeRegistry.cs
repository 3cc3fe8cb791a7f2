using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Distribution.Tests.Client.Fakes;

/// <summary>
/// A small in-memory registry (or token realm, or foreign-layer host) on 127.0.0.1 for protocol
/// tests: it records every request, lets a test intercept any of them, and otherwise serves the
/// distribution API's happy paths (blobs, manifests, uploads, mounts).
/// </summary>
internal sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeRegistry(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>"127.0.0.1:PORT": the domain an image reference names this registry by.</summary>
    public string Authority => BaseUri.Authority;

    public int Port => BaseUri.Port;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Runs first on every request; returning true means it answered.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    /// <summary>When set, requests to /v2/ paths without this exact Authorization get 401 with <see cref="Challenge"/>.</summary>
    public string? RequiredAuthorization { get; set; }

    public string Challenge { get; set; } = "Basic realm=\"fake\"";

    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new();

    /// <summary>Called with the session's length after a PATCH stored its chunk: true answers 500 all the same.</summary>
    public Func<long, bool>? FailAfterChunk { get; set; }

    /// <summary>Which repositories hold which blobs (for mounts).</summary>
    public ConcurrentDictionary<string, byte> RepoBlobs { get; } = new();

    public ConcurrentDictionary<string, (byte[] Bytes, string MediaType)> Manifests { get; } = new();

    private readonly ConcurrentDictionary<string, MemoryStream> _uploads = new();

    public static async Task<FakeRegistry> StartAsync(X509Certificate2? certificate = null, Func<X509Certificate2?, bool>? clientCertificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate, https =>
                {
                    if (clientCertificate is not null)
                    {
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (cert, _, _) => clientCertificate(cert);
                    }
                });
            }
        }));
        var app = builder.Build();
        FakeRegistry? self = null;
        app.Run(ctx => self!.HandleAsync(ctx));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeRegistry(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        return self;
    }

    public string PutBlob(string repository, byte[] bytes)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        Blobs[digest] = bytes;
        RepoBlobs[repository + "@" + digest] = 0;
        return digest;
    }

    public void PutManifest(string repository, string reference, byte[] bytes, string mediaType)
    {
        Manifests[repository + ":" + reference] = (bytes, mediaType);
        Manifests[repository + ":sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes))] = (bytes, mediaType);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        Requests.Enqueue(new RecordedRequest(request.Method, request.Path + request.QueryString, request.Headers.Authorization.ToString(),
            request.Headers.Range.ToString(), request.Headers.ContentType.ToString()));
        if (Intercept is not null && await Intercept(ctx))
            return;
        if (RequiredAuthorization is not null && request.Headers.Authorization.ToString() != RequiredAuthorization)
        {
            ctx.Response.StatusCode = 401;
            ctx.Response.Headers.WWWAuthenticate = Challenge;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
            return;
        }
        var path = request.Path.Value ?? "";
        if (path == "/v2/")
        {
            ctx.Response.StatusCode = 200;
            return;
        }
        if (!path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        var rest = path[4..];
        int cut;
        if ((cut = rest.IndexOf("/manifests/", StringComparison.Ordinal)) > 0)
            await ManifestAsync(ctx, rest[..cut], rest[(cut + 11)..]);
        else if ((cut = rest.IndexOf("/blobs/uploads/", StringComparison.Ordinal)) > 0)
            await UploadAsync(ctx, rest[..cut], rest[(cut + 15)..]);
        else if ((cut = rest.IndexOf("/blobs/", StringComparison.Ordinal)) > 0)
            await BlobAsync(ctx, rest[..cut], rest[(cut + 7)..]);
        else
            ctx.Response.StatusCode = 404;
    }

    private async Task ManifestAsync(HttpContext ctx, string repository, string reference)
    {
        if (ctx.Request.Method == "PUT")
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            PutManifest(repository, reference, body.ToArray(), ctx.Request.ContentType ?? "");
            ctx.Response.StatusCode = 201;
            ctx.Response.Headers["Docker-Content-Digest"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body.ToArray()));
            return;
        }
        if (!Manifests.TryGetValue(repository + ":" + reference, out var manifest))
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}");
            return;
        }
        ctx.Response.ContentType = manifest.MediaType;
        ctx.Response.Headers["Docker-Content-Digest"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest.Bytes));
        ctx.Response.ContentLength = manifest.Bytes.Length;
        if (ctx.Request.Method == "GET")
            await ctx.Response.Body.WriteAsync(manifest.Bytes);
    }

    private async Task BlobAsync(HttpContext ctx, string repository, string digest)
    {
        // As distribution: a blob is visible in a repository only once linked there.
        if (!Blobs.TryGetValue(digest, out var bytes) || !RepoBlobs.ContainsKey(repository + "@" + digest))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.Headers["Docker-Content-Digest"] = digest;
        ctx.Response.ContentLength = bytes.Length;
        if (ctx.Request.Method == "GET")
            await ctx.Response.Body.WriteAsync(bytes);
    }

    private async Task UploadAsync(HttpContext ctx, string repository, string session)
    {
        var method = ctx.Request.Method;
        if (method == "POST")
        {
            var mount = ctx.Request.Query["mount"].ToString();
            var from = ctx.Request.Query["from"].ToString();
            if (mount.Length > 0 && RepoBlobs.ContainsKey(from + "@" + mount))
            {
                RepoBlobs[repository + "@" + mount] = 0;
                ctx.Response.StatusCode = 201;
                ctx.Response.Headers.Location = $"/v2/{repository}/blobs/{mount}";
                return;
            }
            var id = Guid.NewGuid().ToString("N");
            _uploads[id] = new MemoryStream();
            ctx.Response.StatusCode = 202;
            // Relative, as distribution sends it.
            ctx.Response.Headers.Location = $"/v2/{repository}/blobs/uploads/{id}?state=s0";
            return;
        }
        if (!_uploads.TryGetValue(session, out var buffer))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        if (method == "GET")
        {
            ctx.Response.StatusCode = 204;
            ctx.Response.Headers["Range"] = $"0-{buffer.Length - 1}";
            ctx.Response.Headers.Location = $"/v2/{repository}/blobs/uploads/{session}?state=s{buffer.Length}";
            return;
        }
        if (method == "PATCH" && ctx.Request.Headers.ContentRange.ToString() is { Length: > 0 } range
            && !range.StartsWith($"{buffer.Length}-", StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = 416;
            return;
        }
        await ctx.Request.Body.CopyToAsync(buffer);
        if (method == "PATCH" && FailAfterChunk?.Invoke(buffer.Length) == true)
        {
            ctx.Response.StatusCode = 500;
            return;
        }
        if (method == "PATCH")
        {
            ctx.Response.StatusCode = 202;
            ctx.Response.Headers.Location = $"{BaseUri.ToString().TrimEnd('/')}/v2/{repository}/blobs/uploads/{session}?state=s{buffer.Length}";
            return;
        }
        var digest = ctx.Request.Query["digest"].ToString();
        var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
        if (digest != actual)
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"provided digest did not match uploaded content\"}]}");
            return;
        }
        PutBlob(repository, buffer.ToArray());
        _uploads.TryRemove(session, out _);
        ctx.Response.StatusCode = 201;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record RecordedRequest(string Method, string PathAndQuery, string Authorization, string Range, string ContentType);
