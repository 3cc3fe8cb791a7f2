using System.Net;
using System.Net.Http.Headers;
using Berth.Images.Content;

namespace Berth.Distribution.Tests.Server;

public sealed class BlobEndpointTests
{
    /// <summary>How much of a blob the server reads at a time (BlobHandler.ChunkSize).</summary>
    private const int ServerReadChunk = 256 * 1024;

    [Fact]
    public async Task Ping_answers_200_with_the_api_version_header()
    {
        await using var host = await RegistryHost.StartAsync();

        using var response = await host.Client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
    }

    [Fact]
    public async Task Monolithic_upload_is_served_back_with_its_digest()
    {
        await using var host = await RegistryHost.StartAsync();
        var (digest, bytes) = RegistryHost.Blob("hello blob");

        using var post = await host.Client.PostAsync($"/v2/lib/app/blobs/uploads/?digest={digest}", new ByteArrayContent(bytes));
        using var get = await host.Client.GetAsync($"/v2/lib/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.Equal($"/v2/lib/app/blobs/{digest}", post.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal(digest.ToString(), get.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Head_gives_length_and_digest_without_a_body()
    {
        await using var host = await RegistryHost.StartAsync();
        var digest = await host.PushBlobAsync("app", new byte[1234]);

        using var head = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/app/blobs/{digest}"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(1234, head.Content.Headers.ContentLength);
        Assert.Equal(digest.ToString(), head.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Range_request_gets_206_with_the_slice()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(1000);
        var digest = await host.PushBlobAsync("app", bytes);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/app/blobs/{digest}");
        request.Headers.Range = new RangeHeaderValue(100, 199);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/1000", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[100..200], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Blob_of_several_read_chunks_is_served_whole()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(3 * ServerReadChunk + 12345);
        var digest = await host.PushBlobAsync("app", bytes);

        using var response = await host.Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Range_across_a_read_chunk_boundary_gets_the_slice()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(3 * ServerReadChunk);
        var digest = await host.PushBlobAsync("app", bytes);
        var (first, last) = (ServerReadChunk - 100, 2 * ServerReadChunk + 100);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/app/blobs/{digest}");
        request.Headers.Range = new RangeHeaderValue(first, last);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {first}-{last}/{bytes.Length}", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[first..(last + 1)], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Client_that_hangs_up_mid_blob_leaves_the_server_serving()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(16 * ServerReadChunk);
        var digest = await host.PushBlobAsync("app", bytes);
        using (var quitter = new HttpClient { BaseAddress = host.Client.BaseAddress })
        {
            using var partial = await quitter.GetAsync($"/v2/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
            await using var body = await partial.Content.ReadAsStreamAsync();
            await body.ReadExactlyAsync(new byte[1000]);
        }

        using var response = await host.Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Range_past_the_end_gets_416()
    {
        await using var host = await RegistryHost.StartAsync();
        var digest = await host.PushBlobAsync("app", new byte[10]);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/app/blobs/{digest}");
        request.Headers.Range = new RangeHeaderValue(10, 20);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */10", response.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task Unknown_blob_is_404_BLOB_UNKNOWN()
    {
        await using var host = await RegistryHost.StartAsync();

        using var response = await host.Client.GetAsync($"/v2/app/blobs/{Digest.Compute([1, 2, 3])}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("BLOB_UNKNOWN", await RegistryHost.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Blob_of_another_repository_is_not_served()
    {
        await using var host = await RegistryHost.StartAsync();
        var digest = await host.PushBlobAsync("private", RegistryHost.RandomBytes(64));

        using var response = await host.Client.GetAsync($"/v2/public/blobs/{digest}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Delete_unlinks_the_blob_from_the_repository()
    {
        await using var host = await RegistryHost.StartAsync();
        var digest = await host.PushBlobAsync("app", RegistryHost.RandomBytes(64));

        using var delete = await host.Client.DeleteAsync($"/v2/app/blobs/{digest}");
        using var get = await host.Client.GetAsync($"/v2/app/blobs/{digest}");
        using var again = await host.Client.DeleteAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("BLOB_UNKNOWN", await RegistryHost.ErrorCodeAsync(again));
    }

    [Fact]
    public async Task Invalid_digest_is_400_DIGEST_INVALID()
    {
        await using var host = await RegistryHost.StartAsync();

        using var response = await host.Client.GetAsync("/v2/app/blobs/sha256:XYZ");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await RegistryHost.ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData("Upper/case")]
    [InlineData("trailing-")]
    [InlineData("a//b")]
    public async Task Invalid_repository_name_is_400_NAME_INVALID(string name)
    {
        await using var host = await RegistryHost.StartAsync();

        using var response = await host.Client.GetAsync($"/v2/{name}/tags/list");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NAME_INVALID", await RegistryHost.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task A_blob_pushed_to_two_repositories_is_stored_once()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(128);

        await host.PushBlobAsync("one", bytes);
        await host.PushBlobAsync("two", bytes);

        Assert.Single(host.Server.Storage.Content.Walk());
    }

    [Fact]
    public async Task Concurrent_pushes_of_one_blob_to_many_repositories_all_succeed_and_store_it_once()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(256 << 10);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => host.PushBlobAsync($"repo{i}", bytes)));

        Assert.Single(host.Server.Storage.Content.Walk());
    }

    [Fact]
    public async Task Sha512_digest_is_verified_and_served()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(100);
        var digest = Digest.Compute(bytes, Digest.Sha512);

        using var post = await host.Client.PostAsync($"/v2/app/blobs/uploads/?digest={digest}", new ByteArrayContent(bytes));
        using var get = await host.Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
    }
}
