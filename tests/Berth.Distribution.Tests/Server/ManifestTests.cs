using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Berth.Images.Content;

namespace Berth.Distribution.Tests.Server;

public sealed class ManifestTests
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";

    [Fact]
    public async Task Manifest_is_served_by_tag_and_by_digest_with_its_media_type_and_digest()
    {
        await using var host = await RegistryHost.StartAsync();
        var (digest, bytes) = await host.PushImageAsync("lib/app", "v1", RegistryHost.RandomBytes(100));

        using var byTag = await host.Client.GetAsync("/v2/lib/app/manifests/v1");
        using var byDigest = await host.Client.GetAsync($"/v2/lib/app/manifests/{digest}");

        foreach (var response in new[] { byTag, byDigest })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(OciManifest, response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(digest.ToString(), response.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Put_answers_201_with_location_and_digest()
    {
        await using var host = await RegistryHost.StartAsync();
        var config = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));
        var manifest = Manifest(config, 2, []);

        using var put = await host.PutManifestAsync("app", "latest", manifest, OciManifest);

        var digest = Digest.Compute(manifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal($"/v2/app/manifests/{digest}", put.Headers.Location!.OriginalString);
        Assert.Equal(digest.ToString(), put.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Head_gives_type_length_and_digest()
    {
        await using var host = await RegistryHost.StartAsync();
        var (digest, bytes) = await host.PushImageAsync("app", "v1");

        using var head = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/app/manifests/v1"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(bytes.Length, head.Content.Headers.ContentLength);
        Assert.Equal(digest.ToString(), head.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Manifest_naming_a_missing_layer_is_400_MANIFEST_BLOB_UNKNOWN()
    {
        await using var host = await RegistryHost.StartAsync();
        var config = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));
        var missing = Digest.Compute([1, 2, 3]);

        using var put = await host.PutManifestAsync("app", "v1", Manifest(config, 2, [(missing, 3, null)]), OciManifest);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("MANIFEST_BLOB_UNKNOWN", await RegistryHost.ErrorCodeAsync(put));
    }

    [Fact]
    public async Task Layer_of_another_repository_does_not_count_as_present()
    {
        await using var host = await RegistryHost.StartAsync();
        var config = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));
        var layer = RegistryHost.RandomBytes(32);
        var elsewhere = await host.PushBlobAsync("other", layer);

        using var put = await host.PutManifestAsync("app", "v1", Manifest(config, 2, [(elsewhere, layer.Length, null)]), OciManifest);

        Assert.Equal("MANIFEST_BLOB_UNKNOWN", await RegistryHost.ErrorCodeAsync(put));
    }

    [Fact]
    public async Task Descriptor_size_that_disagrees_with_the_blob_is_400_MANIFEST_INVALID()
    {
        await using var host = await RegistryHost.StartAsync();
        var config = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));
        var layer = await host.PushBlobAsync("app", new byte[10]);

        using var put = await host.PutManifestAsync("app", "v1", Manifest(config, 2, [(layer, 11, null)]), OciManifest);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("MANIFEST_INVALID", await RegistryHost.ErrorCodeAsync(put));
    }

    [Fact]
    public async Task Foreign_layer_with_urls_need_not_be_pushed()
    {
        await using var host = await RegistryHost.StartAsync();
        var config = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));
        var foreign = Digest.Compute([4, 5, 6]);

        using var put = await host.PutManifestAsync("app", "v1", Manifest(config, 2, [(foreign, 3, "https://example.invalid/layer")]), OciManifest);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task Index_naming_a_missing_manifest_is_400_MANIFEST_BLOB_UNKNOWN()
    {
        await using var host = await RegistryHost.StartAsync();
        var index = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"{OciIndex}\",\"manifests\":[{{\"mediaType\":\"{OciManifest}\",\"digest\":\"{Digest.Compute([7])}\",\"size\":1}}]}}");

        using var put = await host.PutManifestAsync("app", "multi", index, OciIndex);

        Assert.Equal("MANIFEST_BLOB_UNKNOWN", await RegistryHost.ErrorCodeAsync(put));
    }

    [Fact]
    public async Task Index_of_pushed_manifests_is_accepted_and_served()
    {
        await using var host = await RegistryHost.StartAsync();
        var (child, bytes) = await host.PushImageAsync("app", "amd64");
        var index = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"{OciIndex}\",\"manifests\":[{{\"mediaType\":\"{OciManifest}\",\"digest\":\"{child}\",\"size\":{bytes.Length}}}]}}");

        using var put = await host.PutManifestAsync("app", "multi", index, OciIndex);
        using var get = await host.Client.GetAsync("/v2/app/manifests/multi");

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(OciIndex, get.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Manifest_over_4_MiB_is_413_SIZE_INVALID()
    {
        await using var host = await RegistryHost.StartAsync();
        var huge = new byte[(4 << 20) + 1];
        Array.Fill(huge, (byte)' ');

        using var put = await host.PutManifestAsync("app", "huge", huge, OciManifest);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, put.StatusCode);
        Assert.Equal("SIZE_INVALID", await RegistryHost.ErrorCodeAsync(put));
    }

    [Fact]
    public async Task Malformed_manifest_is_400_MANIFEST_INVALID()
    {
        await using var host = await RegistryHost.StartAsync();

        using var put = await host.PutManifestAsync("app", "bad", Encoding.UTF8.GetBytes("{\"schemaVersion\":2,"), OciManifest);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("MANIFEST_INVALID", await RegistryHost.ErrorCodeAsync(put));
    }

    [Fact]
    public async Task Put_by_a_digest_the_bytes_do_not_have_is_400_DIGEST_INVALID()
    {
        await using var host = await RegistryHost.StartAsync();
        var config = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));

        using var put = await host.PutManifestAsync("app", Digest.Compute([1]).ToString(), Manifest(config, 2, []), OciManifest);

        Assert.Equal("DIGEST_INVALID", await RegistryHost.ErrorCodeAsync(put));
    }

    [Fact]
    public async Task Unknown_tag_is_404_MANIFEST_UNKNOWN_and_unknown_repository_404_NAME_UNKNOWN()
    {
        await using var host = await RegistryHost.StartAsync();
        await host.PushImageAsync("app", "v1");

        using var tag = await host.Client.GetAsync("/v2/app/manifests/v2");
        using var repository = await host.Client.GetAsync("/v2/nothing/manifests/v1");

        Assert.Equal(HttpStatusCode.NotFound, tag.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await RegistryHost.ErrorCodeAsync(tag));
        Assert.Equal("NAME_UNKNOWN", await RegistryHost.ErrorCodeAsync(repository));
    }

    [Fact]
    public async Task Oci_manifest_is_not_served_to_a_client_that_accepts_only_docker_types()
    {
        await using var host = await RegistryHost.StartAsync();
        await host.PushImageAsync("app", "v1");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/app/manifests/v1");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));

        using var response = await host.Client.SendAsync(request);

        Assert.Equal("MANIFEST_UNKNOWN", await RegistryHost.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Delete_by_digest_removes_the_manifest_and_its_tags()
    {
        await using var host = await RegistryHost.StartAsync();
        var (digest, _) = await host.PushImageAsync("app", "v1");

        using var delete = await host.Client.DeleteAsync($"/v2/app/manifests/{digest}");
        using var byTag = await host.Client.GetAsync("/v2/app/manifests/v1");
        using var byDigest = await host.Client.GetAsync($"/v2/app/manifests/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byTag.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byDigest.StatusCode);
    }

    [Fact]
    public async Task Delete_by_tag_removes_only_the_tag()
    {
        await using var host = await RegistryHost.StartAsync();
        var (digest, _) = await host.PushImageAsync("app", "v1");

        using var delete = await host.Client.DeleteAsync("/v2/app/manifests/v1");
        using var byDigest = await host.Client.GetAsync($"/v2/app/manifests/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byDigest.StatusCode);
    }

    [Fact]
    public async Task Subject_is_acknowledged_with_the_OCI_Subject_header()
    {
        await using var host = await RegistryHost.StartAsync();
        var (subject, bytes) = await host.PushImageAsync("app", "v1");
        var empty = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));
        var referrer = Referrer(empty, subject, bytes.Length, "application/vnd.example.sbom");

        using var put = await host.PutManifestAsync("app", Digest.Compute(referrer).ToString(), referrer, OciManifest);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(subject.ToString(), put.Headers.GetValues("OCI-Subject").Single());
    }

    internal static byte[] Manifest(Digest config, long configSize, IEnumerable<(Digest Digest, long Size, string? Url)> layers)
    {
        var list = layers.Select(l => $"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"{l.Digest}\",\"size\":{l.Size}{(l.Url is null ? "" : $",\"urls\":[\"{l.Url}\"]")}}}");
        return Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"{OciManifest}\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{config}\",\"size\":{configSize}}},\"layers\":[{string.Join(',', list)}]}}");
    }

    internal static byte[] Referrer(Digest empty, Digest subject, long subjectSize, string artifactType) =>
        Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"{OciManifest}\",\"artifactType\":\"{artifactType}\",\"config\":{{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"{empty}\",\"size\":2}},\"layers\":[{{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"{empty}\",\"size\":2}}],\"subject\":{{\"mediaType\":\"{OciManifest}\",\"digest\":\"{subject}\",\"size\":{subjectSize}}},\"annotations\":{{\"org.example.kind\":\"{artifactType}\"}}}}");
}
