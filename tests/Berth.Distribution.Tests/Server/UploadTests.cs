using System.Net;
using System.Net.Http.Headers;
using Berth.Images.Content;

namespace Berth.Distribution.Tests.Server;

public sealed class UploadTests
{
    [Fact]
    public async Task Post_opens_a_session_with_location_and_uuid()
    {
        await using var host = await RegistryHost.StartAsync();

        using var response = await host.Client.PostAsync("/v2/app/blobs/uploads/", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var uuid = response.Headers.GetValues("Docker-Upload-UUID").Single();
        Assert.Equal($"/v2/app/blobs/uploads/{uuid}", response.Headers.Location!.OriginalString);
        Assert.Equal("0-0", response.Headers.GetValues("Range").Single());
    }

    [Fact]
    public async Task Chunked_upload_in_two_patches_completes_with_put()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(3000);
        var digest = Digest.Compute(bytes);
        var location = await StartAsync(host, "app");

        using var first = await PatchAsync(host, location, bytes[..1000], 0);
        using var second = await PatchAsync(host, first.Headers.Location!.OriginalString, bytes[1000..], 1000);
        using var put = await host.Client.PutAsync($"{second.Headers.Location!.OriginalString}?digest={digest}", null);
        using var get = await host.Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("0-999", first.Headers.GetValues("Range").Single());
        Assert.Equal("0-2999", second.Headers.GetValues("Range").Single());
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(digest.ToString(), put.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Out_of_order_chunk_is_416_and_reports_the_offset()
    {
        await using var host = await RegistryHost.StartAsync();
        var location = await StartAsync(host, "app");
        using var first = await PatchAsync(host, location, new byte[100], 0);

        using var skipped = await PatchAsync(host, location, new byte[100], 200);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, skipped.StatusCode);
        Assert.Equal("0-99", skipped.Headers.GetValues("Range").Single());
        Assert.Equal("BLOB_UPLOAD_INVALID", await RegistryHost.ErrorCodeAsync(skipped));
    }

    [Fact]
    public async Task Status_then_resume_continues_where_the_session_ends()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(500);
        var digest = Digest.Compute(bytes);
        var location = await StartAsync(host, "app");
        using (await PatchAsync(host, location, bytes[..200], 0))
        {
        }

        using var status = await host.Client.GetAsync(location);
        var offset = long.Parse(status.Headers.GetValues("Range").Single().Split('-')[1], System.Globalization.CultureInfo.InvariantCulture) + 1;
        using var rest = await PatchAsync(host, location, bytes[(int)offset..], offset);
        using var put = await host.Client.PutAsync($"{location}?digest={digest}", null);

        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal(200, offset);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task Patch_cut_off_mid_body_keeps_what_arrived_and_resumes_from_there()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(1 << 20);
        var digest = Digest.Compute(bytes);
        var location = await StartAsync(host, "app");
        const int sent = 300_000;

        // A client that promises the whole blob, sends part of it and hangs up.
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, host.Server.Address!.Port);
            var head = $"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: {bytes.Length}\r\n\r\n";
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(head));
            await socket.SendAsync(bytes.AsMemory(0, sent));
            await WaitForIngestAsync(host, sent);
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        }
        var offset = await SettledOffsetAsync(host, location);
        using var rest = await PatchAsync(host, location, bytes[(int)offset..], offset);
        using var put = await host.Client.PutAsync($"{location}?digest={digest}", null);

        Assert.Equal(sent, offset);
        Assert.Equal(HttpStatusCode.Accepted, rest.StatusCode);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task Digest_mismatch_is_refused_and_nothing_is_linked_or_stored()
    {
        await using var host = await RegistryHost.StartAsync();
        var location = await StartAsync(host, "app");
        var claimed = Digest.Compute([9, 9, 9]);

        using var put = await host.Client.PutAsync($"{location}?digest={claimed}", new ByteArrayContent([1, 2, 3]));
        using var get = await host.Client.GetAsync($"/v2/app/blobs/{claimed}");
        using var session = await host.Client.GetAsync(location);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("DIGEST_INVALID", await RegistryHost.ErrorCodeAsync(put));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(host.Server.Storage.Content.Walk());
        Assert.Equal(HttpStatusCode.NotFound, session.StatusCode);
    }

    [Fact]
    public async Task Claiming_the_digest_of_a_stored_blob_without_its_bytes_does_not_link_it()
    {
        await using var host = await RegistryHost.StartAsync();
        var secret = await host.PushBlobAsync("private", RegistryHost.RandomBytes(64));

        using var post = await host.Client.PostAsync($"/v2/thief/blobs/uploads/?digest={secret}", new ByteArrayContent([0]));
        using var get = await host.Client.GetAsync($"/v2/thief/blobs/{secret}");

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Put_without_digest_is_400_DIGEST_INVALID_and_keeps_the_session()
    {
        await using var host = await RegistryHost.StartAsync();
        var location = await StartAsync(host, "app");

        using var put = await host.Client.PutAsync(location, new ByteArrayContent([1]));
        using var status = await host.Client.GetAsync(location);

        Assert.Equal("DIGEST_INVALID", await RegistryHost.ErrorCodeAsync(put));
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
    }

    [Fact]
    public async Task Cancelled_session_is_unknown_afterwards()
    {
        await using var host = await RegistryHost.StartAsync();
        var location = await StartAsync(host, "app");

        using var delete = await host.Client.DeleteAsync(location);
        using var patch = await PatchAsync(host, location, [1], 0);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await RegistryHost.ErrorCodeAsync(patch));
        Assert.Empty(host.Server.Storage.Content.ListIngests());
    }

    [Fact]
    public async Task Session_of_another_repository_is_unknown()
    {
        await using var host = await RegistryHost.StartAsync();
        var location = await StartAsync(host, "app");

        using var status = await host.Client.GetAsync(location.Replace("/v2/app/", "/v2/other/", StringComparison.Ordinal));

        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await RegistryHost.ErrorCodeAsync(status));
    }

    [Fact]
    public async Task Idle_session_expires_with_its_bytes()
    {
        await using var host = await RegistryHost.StartAsync((_, o) => o with { UploadTimeout = TimeSpan.FromMilliseconds(300) });
        var location = await StartAsync(host, "app");
        using (await PatchAsync(host, location, new byte[10], 0))
        {
        }

        await Task.Delay(700);
        using var status = await host.Client.GetAsync(location);

        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Empty(host.Server.Storage.Content.ListIngests());
    }

    [Fact]
    public async Task Mount_from_a_repository_with_the_blob_is_201()
    {
        await using var host = await RegistryHost.StartAsync();
        var digest = await host.PushBlobAsync("base", RegistryHost.RandomBytes(64));

        using var mount = await host.Client.PostAsync($"/v2/app/blobs/uploads/?mount={digest}&from=base", null);
        using var get = await host.Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        Assert.Equal($"/v2/app/blobs/{digest}", mount.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task Mount_from_a_repository_without_the_blob_falls_back_to_a_session_and_does_not_leak_it()
    {
        await using var host = await RegistryHost.StartAsync();
        var digest = await host.PushBlobAsync("private", RegistryHost.RandomBytes(64));

        using var mount = await host.Client.PostAsync($"/v2/app/blobs/uploads/?mount={digest}&from=empty", null);
        using var get = await host.Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        Assert.StartsWith("/v2/app/blobs/uploads/", mount.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Large_blob_streams_through_in_one_patch()
    {
        await using var host = await RegistryHost.StartAsync();
        var bytes = RegistryHost.RandomBytes(40 << 20);
        var digest = Digest.Compute(bytes);
        var location = await StartAsync(host, "big");

        using var patch = await host.Client.PatchAsync(location, new ByteArrayContent(bytes));
        using var put = await host.Client.PutAsync($"{location}?digest={digest}", null);

        Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(bytes.Length, host.Server.Storage.Content.Info(digest).Size);
    }

    private static async Task WaitForIngestAsync(RegistryHost host, long size)
    {
        for (var attempt = 0; attempt < 100 && host.Server.Storage.Content.ListIngests().All(i => i.Offset < size); attempt++)
            await Task.Delay(50);
    }

    /// <summary>Until the server has noticed the hang-up, the session is locked by the cut request (416).</summary>
    private static async Task<long> SettledOffsetAsync(RegistryHost host, string location)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var status = await host.Client.GetAsync(location);
            if (status.StatusCode == HttpStatusCode.NoContent)
                return long.Parse(status.Headers.GetValues("Range").Single().Split('-')[1], System.Globalization.CultureInfo.InvariantCulture) + 1;
            await Task.Delay(50);
        }
        Assert.Fail("the upload stayed locked after the client went away");
        return 0;
    }

    private static async Task<string> StartAsync(RegistryHost host, string repository)
    {
        using var response = await host.Client.PostAsync($"/v2/{repository}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    private static Task<HttpResponseMessage> PatchAsync(RegistryHost host, string location, byte[] chunk, long start)
    {
        var content = new ByteArrayContent(chunk);
        content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + chunk.Length - 1}");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return host.Client.PatchAsync(location, content);
    }
}
