using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Distribution.Server;
using Berth.Images.Content;

namespace Berth.Distribution.Tests.Server;

/// <summary>
/// A real registry on 127.0.0.1 with a port Kestrel picks, over a temp root, and an HttpClient for
/// it. Disposing stops the server and removes the root, whatever the test did.
/// </summary>
internal sealed class RegistryHost : IAsyncDisposable
{
    private RegistryHost(string root, RegistryServer server, HttpClient client)
    {
        Root = root;
        Server = server;
        Client = client;
    }

    public string Root { get; }

    public RegistryServer Server { get; }

    public HttpClient Client { get; }

    public static async Task<RegistryHost> StartAsync(Func<string, RegistryOptions, RegistryOptions>? configure = null, HttpMessageHandler? handler = null)
    {
        var root = Directory.CreateTempSubdirectory("berth-registry-test-").FullName;
        try
        {
            var options = new RegistryOptions { Root = Path.Combine(root, "data"), Listen = new IPEndPoint(IPAddress.Loopback, 0) };
            if (configure is not null)
                options = configure(root, options);
            var server = await RegistryServer.StartAsync(options);
            var client = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = server.Address };
            return new RegistryHost(root, server, client);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    public static (Digest Digest, byte[] Bytes) Blob(string text) => Blob(Encoding.UTF8.GetBytes(text));

    public static (Digest Digest, byte[] Bytes) Blob(byte[] bytes) => (Digest.Compute(bytes), bytes);

    public static byte[] RandomBytes(int n) => RandomNumberGenerator.GetBytes(n);

    /// <summary>Pushes a blob in one POST (?digest=) and asserts 201.</summary>
    public async Task<Digest> PushBlobAsync(string repository, byte[] bytes)
    {
        var digest = Digest.Compute(bytes);
        using var response = await Client.PostAsync($"/v2/{repository}/blobs/uploads/?digest={digest}", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return digest;
    }

    /// <summary>Pushes a config and layers, then an OCI manifest naming them, under <paramref name="reference"/>; returns the manifest's digest.</summary>
    public async Task<(Digest Digest, byte[] Bytes)> PushImageAsync(string repository, string reference, params byte[][] layers)
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        var configDigest = await PushBlobAsync(repository, config);
        var layerJson = new List<string>();
        foreach (var layer in layers)
        {
            var d = await PushBlobAsync(repository, layer);
            layerJson.Add($"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"{d}\",\"size\":{layer.Length}}}");
        }
        var manifest = Encoding.UTF8.GetBytes(
            $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{configDigest}\",\"size\":{config.Length}}},\"layers\":[{string.Join(',', layerJson)}]}}");
        using var response = await PutManifestAsync(repository, reference, manifest, "application/vnd.oci.image.manifest.v1+json");
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (Digest.Compute(manifest), manifest);
    }

    public Task<HttpResponseMessage> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType)
    {
        var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return Client.PutAsync($"/v2/{repository}/manifests/{reference}", content);
    }

    /// <summary>The first error code of a spec error body.</summary>
    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await Server.DisposeAsync();
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
