using Berth.Distribution.Client.Pull;
using Berth.Distribution.Client.Push;
using Berth.Distribution.Tests.Client.Fakes;
using Berth.Images.Oci;
using Berth.Images.References;

namespace Berth.Distribution.Tests.Client;

public sealed class PushTests
{
    /// <summary>Pulls <paramref name="image"/> from a seeding registry so the store holds it, as a user's store would.</summary>
    private static async Task SeedAsync(ClientFixture fx, TestImage image, string name)
    {
        await using var seed = await FakeRegistry.StartAsync();
        image.ServeFrom(seed, "seed");
        await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{seed.Authority}/seed"), PlatformMatcher.Default, default);
        fx.Store.Tag($"{seed.Authority}/seed", name);
    }

    [Fact]
    public async Task Push_uploads_blobs_then_the_manifest_under_its_tag()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create();
        var name = $"{registry.Authority}/app:v1";
        await SeedAsync(fx, image, name);
        var events = new List<PushProgress>();

        var result = await new ImagePusher(fx.Store, fx.Client) { Progress = e => { lock (events) events.Add(e); } }
            .PushAsync(name, ImageReference.Parse(name), default);

        Assert.Equal("v1", result.Reference);
        Assert.Equal(image.ManifestDigest, result.Digest);
        Assert.Equal(image.Manifest.Length, result.Size);
        Assert.All(image.Layers, l => Assert.True(registry.Blobs.ContainsKey(l.Descriptor.Digest.ToString())));
        Assert.True(registry.Manifests.ContainsKey("app:v1"));
        Assert.Equal(2, events.Count(e => e.Phase == PushPhase.Pushed));
        var last = registry.Requests.Last();
        Assert.Equal("PUT", last.Method);
        Assert.Equal("/v2/app/manifests/v1", last.PathAndQuery);
    }

    [Fact]
    public async Task Blobs_the_registry_has_are_not_uploaded_again()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create();
        var name = $"{registry.Authority}/app:v1";
        await SeedAsync(fx, image, name);
        image.ServeFrom(registry, "app", "old");
        var events = new List<PushProgress>();

        await new ImagePusher(fx.Store, fx.Client) { Progress = e => { lock (events) events.Add(e); } }.PushAsync(name, ImageReference.Parse(name), default);

        Assert.DoesNotContain(registry.Requests, r => r.Method is "POST" or "PATCH");
        Assert.Equal(2, events.Count(e => e.Phase == PushPhase.AlreadyExists));
    }

    [Fact]
    public async Task Blob_from_another_repository_of_the_registry_is_mounted()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create();
        var source = $"{registry.Authority}/base:1";
        await SeedAsync(fx, image, source);
        image.ServeFrom(registry, "base", "1");
        var target = $"{registry.Authority}/app:v1";
        fx.Store.Tag(source, target);
        var events = new List<PushProgress>();

        await new ImagePusher(fx.Store, fx.Client) { Progress = e => { lock (events) events.Add(e); } }.PushAsync(target, ImageReference.Parse(target), default);

        var mounts = registry.Requests.Where(r => r.Method == "POST" && r.PathAndQuery.Contains("mount=", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, mounts.Count);
        Assert.All(mounts, m => Assert.Contains("from=base", m.PathAndQuery, StringComparison.Ordinal));
        Assert.DoesNotContain(registry.Requests, r => r.Method is "PATCH" || (r.Method == "PUT" && r.PathAndQuery.Contains("/blobs/", StringComparison.Ordinal)));
        Assert.All(events.Where(e => e.Phase != PushPhase.Preparing), e => Assert.Equal((PushPhase.Mounted, "base"), (e.Phase, e.From)));
    }

    [Fact]
    public async Task Big_blobs_go_in_patch_chunks_following_relative_and_absolute_locations()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture(configure: o => o with { MonolithicUploadLimit = 64 << 10, UploadChunkSize = 100 << 10 });
        var image = TestImage.Create(layers: 1, layerPadding: 300 << 10);
        var name = $"{registry.Authority}/app:big";
        await SeedAsync(fx, image, name);

        await new ImagePusher(fx.Store, fx.Client).PushAsync(name, ImageReference.Parse(name), default);

        var layer = image.Layers[0];
        Assert.Equal(layer.Bytes, registry.Blobs[layer.Descriptor.Digest.ToString()]);
        var patches = registry.Requests.Count(r => r.Method == "PATCH");
        Assert.Equal((int)Math.Ceiling(layer.Bytes.Length / (double)(100 << 10)), patches);
    }

    [Fact]
    public async Task Chunk_stored_before_a_500_is_not_sent_twice_the_upload_goes_on_from_the_registrys_offset()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture(configure: o => o with { MonolithicUploadLimit = 64 << 10, UploadChunkSize = 100 << 10 });
        var image = TestImage.Create(layers: 1, layerPadding: 300 << 10);
        var name = $"{registry.Authority}/app:big";
        await SeedAsync(fx, image, name);
        var failed = 0;
        registry.FailAfterChunk = length => length == 200 << 10 && Interlocked.Increment(ref failed) == 1;

        await new ImagePusher(fx.Store, fx.Client).PushAsync(name, ImageReference.Parse(name), default);

        var layer = image.Layers[0];
        Assert.Equal(1, failed);
        Assert.Equal(layer.Bytes, registry.Blobs[layer.Descriptor.Digest.ToString()]);
        Assert.Contains(registry.Requests, r => r.Method == "GET" && r.PathAndQuery.Contains("/blobs/uploads/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Index_is_pushed_after_each_platform_manifest()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var seed = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var amd = TestImage.Create("amd64");
        var arm = TestImage.Create("arm64");
        amd.ServeFrom(seed, "multi", "amd");
        arm.ServeFrom(seed, "multi", "arm");
        var index = TestImage.Index((amd, "amd64"), (arm, "arm64"));
        seed.PutManifest("multi", "latest", index, MediaTypes.OciIndex);
        // Both platforms into the store: one pull each, then the index itself by its default (host) pull.
        await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{seed.Authority}/multi"), new PlatformMatcher(Platform.Parse("linux/arm64")), default);
        await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{seed.Authority}/multi"), new PlatformMatcher(Platform.Parse("linux/amd64")), default);
        var target = $"{registry.Authority}/multi:all";
        fx.Store.Tag($"{seed.Authority}/multi", target);

        var result = await new ImagePusher(fx.Store, fx.Client).PushAsync(target, ImageReference.Parse(target), default);

        Assert.Equal(Berth.Images.Content.Digest.Compute(index), result.Digest);
        var puts = registry.Requests.Where(r => r.Method == "PUT" && r.PathAndQuery.Contains("/manifests/", StringComparison.Ordinal)).Select(r => r.PathAndQuery).ToList();
        Assert.Equal(["/v2/multi/manifests/" + amd.ManifestDigest, "/v2/multi/manifests/" + arm.ManifestDigest, "/v2/multi/manifests/all"], puts);
    }
}
