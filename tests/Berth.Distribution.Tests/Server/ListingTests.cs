using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Images.Content;

namespace Berth.Distribution.Tests.Server;

public sealed class ListingTests
{
    [Fact]
    public async Task Tags_are_listed_in_order()
    {
        await using var host = await RegistryHost.StartAsync();
        foreach (var tag in new[] { "b", "a", "c" })
            await host.PushImageAsync("app", tag);

        using var response = await host.Client.GetAsync("/v2/app/tags/list");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"name\":\"app\",\"tags\":[\"a\",\"b\",\"c\"]}", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task Tags_page_with_n_and_last_and_a_Link_to_the_next_page()
    {
        await using var host = await RegistryHost.StartAsync();
        foreach (var tag in new[] { "t1", "t2", "t3", "t4", "t5" })
            await host.PushImageAsync("app", tag);

        using var first = await host.Client.GetAsync("/v2/app/tags/list?n=2");
        var link = first.Headers.GetValues("Link").Single();
        using var second = await host.Client.GetAsync(link[1..link.IndexOf('>')]);
        using var last = await host.Client.GetAsync("/v2/app/tags/list?n=2&last=t4");

        Assert.Equal(["t1", "t2"], await TagsAsync(first));
        Assert.Equal("</v2/app/tags/list?n=2&last=t2>; rel=\"next\"", link);
        Assert.Equal(["t3", "t4"], await TagsAsync(second));
        Assert.Equal(["t5"], await TagsAsync(last));
        Assert.False(last.Headers.Contains("Link"));
    }

    [Fact]
    public async Task Tags_of_an_unknown_repository_are_404_NAME_UNKNOWN()
    {
        await using var host = await RegistryHost.StartAsync();

        using var response = await host.Client.GetAsync("/v2/nothing/tags/list");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NAME_UNKNOWN", await RegistryHost.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Catalog_lists_repositories_with_pagination()
    {
        await using var host = await RegistryHost.StartAsync();
        foreach (var repository in new[] { "z/app", "a/app", "m" })
            await host.PushImageAsync(repository, "v1");

        using var all = await host.Client.GetAsync("/v2/_catalog");
        using var page = await host.Client.GetAsync("/v2/_catalog?n=1&last=a/app");

        Assert.Equal("{\"repositories\":[\"a/app\",\"m\",\"z/app\"]}", await all.Content.ReadAsStringAsync());
        Assert.Equal("{\"repositories\":[\"m\"]}", await page.Content.ReadAsStringAsync());
        Assert.Equal("</v2/_catalog?n=1&last=m>; rel=\"next\"", page.Headers.GetValues("Link").Single());
    }

    [Fact]
    public async Task Referrers_list_manifests_whose_subject_is_the_digest_and_filter_by_artifact_type()
    {
        await using var host = await RegistryHost.StartAsync();
        var (subject, bytes) = await host.PushImageAsync("app", "v1");
        var empty = await host.PushBlobAsync("app", Encoding.UTF8.GetBytes("{}"));
        foreach (var type in new[] { "application/vnd.example.sbom", "application/vnd.example.signature" })
        {
            var referrer = ManifestTests.Referrer(empty, subject, bytes.Length, type);
            using var put = await host.PutManifestAsync("app", Digest.Compute(referrer).ToString(), referrer, "application/vnd.oci.image.manifest.v1+json");
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using var all = await host.Client.GetAsync($"/v2/app/referrers/{subject}");
        using var filtered = await host.Client.GetAsync($"/v2/app/referrers/{subject}?artifactType=application/vnd.example.sbom");

        Assert.Equal("application/vnd.oci.image.index.v1+json", all.Content.Headers.ContentType!.MediaType);
        Assert.Equal(2, (await ManifestsAsync(all)).GetArrayLength());
        var only = await ManifestsAsync(filtered);
        Assert.Equal(1, only.GetArrayLength());
        Assert.Equal("application/vnd.example.sbom", only[0].GetProperty("artifactType").GetString());
        Assert.Equal("application/vnd.example.sbom", only[0].GetProperty("annotations").GetProperty("org.example.kind").GetString());
        Assert.Equal("artifactType", filtered.Headers.GetValues("OCI-Filters-Applied").Single());
    }

    [Fact]
    public async Task Referrers_of_an_unknown_subject_are_an_empty_index()
    {
        await using var host = await RegistryHost.StartAsync();

        using var response = await host.Client.GetAsync($"/v2/app/referrers/{Digest.Compute([1])}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await ManifestsAsync(response)).GetArrayLength());
    }

    private static async Task<string[]> TagsAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray();
    }

    private static async Task<JsonElement> ManifestsAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("manifests").Clone();
    }
}
