using System.Diagnostics;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Pull;
using Berth.Distribution.Tests.Client.Fakes;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.References;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Tests.Client;

public sealed class PullTests
{
    private static ImageReference Ref(FakeRegistry registry, string rest) => ImageReference.Parse($"{registry.Authority}/{rest}");

    [Fact]
    public async Task Pull_stores_verifies_unpacks_and_names_the_image()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create();
        image.ServeFrom(registry, "app");
        var events = new List<LayerProgress>();

        var result = await new ImagePuller(fx.Store, fx.Client) { Progress = e => { lock (events) events.Add(e); } }
            .PullAsync(Ref(registry, "app:latest"), PlatformMatcher.Default, default);

        Assert.True(result.Updated);
        Assert.Equal(image.ManifestDigest, result.Target.Digest);
        Assert.Equal(image.ManifestDigest, fx.Store.Find($"{registry.Authority}/app:latest").Target);
        Assert.All(image.Layers, l => Assert.True(fx.Store.Content.Exists(l.Descriptor.Digest)));
        Assert.Contains(events, e => e.Phase == LayerPhase.Complete);
        var again = await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app:latest"), PlatformMatcher.Default, default);
        Assert.False(again.Updated);
    }

    [Fact]
    public async Task Pull_asks_for_oci_and_docker_manifest_types()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        string accept = "";
        registry.Intercept = ctx =>
        {
            if (ctx.Request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal))
                accept = ctx.Request.Headers.Accept.ToString();
            return Task.FromResult(false);
        };
        TestImage.Create().ServeFrom(registry, "app");
        await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default);
        foreach (var type in new[] { MediaTypes.OciIndex, MediaTypes.OciManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest })
            Assert.Contains(type, accept, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_picks_the_requested_platform_from_an_index()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var amd = TestImage.Create("amd64");
        var arm = TestImage.Create("arm64");
        amd.ServeFrom(registry, "multi", "amd");
        arm.ServeFrom(registry, "multi", "arm");
        registry.PutManifest("multi", "latest", TestImage.Index((amd, "amd64"), (arm, "arm64")), MediaTypes.OciIndex);

        var result = await new ImagePuller(fx.Store, fx.Client)
            .PullAsync(Ref(registry, "multi"), new PlatformMatcher(Platform.Parse("linux/arm64")), default);

        Assert.Equal("arm64", result.Image.Config.Architecture);
        Assert.True(fx.Store.Content.Exists(arm.Layers[0].Descriptor.Digest));
        Assert.False(fx.Store.Content.Exists(amd.Layers[0].Descriptor.Digest));
    }

    [Fact]
    public async Task Blob_whose_bytes_do_not_match_its_digest_is_refused_naming_both_and_nothing_is_stored()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create();
        image.ServeFrom(registry, "app");
        var layer = image.Layers[1];
        var tampered = (byte[])layer.Bytes.Clone();
        tampered[^5] ^= 0xFF;
        registry.Blobs[layer.Descriptor.Digest.ToString()] = tampered;

        var e = await Assert.ThrowsAsync<RegistryVerificationException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default));

        Assert.Contains(layer.Descriptor.Digest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(Digest.Compute(tampered).ToString(), e.Message, StringComparison.Ordinal);
        Assert.False(fx.Store.Content.Exists(layer.Descriptor.Digest));
        // The refused bytes are gone; another layer cut short by the failure may keep its ingest, to resume.
        Assert.DoesNotContain(fx.Store.Content.ListIngests(), i => i.Expected == layer.Descriptor.Digest);
        Assert.Empty(fx.Store.List());
    }

    [Fact]
    public async Task Blob_longer_than_its_descriptor_says_is_refused_before_it_is_read()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create(layers: 1);
        var layer = image.Layers[0];
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciManifest,
            Config = image.Config.Descriptor,
            Layers = [layer.Descriptor with { Size = layer.Bytes.Length - 10 }],
        };
        image.ServeFrom(registry, "app");
        registry.PutManifest("app", "short", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest), MediaTypes.OciManifest);

        var e = await Assert.ThrowsAsync<RegistryVerificationException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app:short"), PlatformMatcher.Default, default));

        Assert.Contains($"registry sends {layer.Bytes.Length} bytes, the descriptor says {layer.Bytes.Length - 10}", e.Message, StringComparison.Ordinal);
        Assert.False(fx.Store.Content.Exists(layer.Descriptor.Digest));
    }

    [Fact]
    public async Task Config_larger_than_the_document_cap_is_refused_before_it_is_fetched()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create(layers: 1);
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciManifest,
            Config = image.Config.Descriptor with { Size = 64L << 20 },
            Layers = [image.Layers[0].Descriptor],
        };
        image.ServeFrom(registry, "app");
        registry.PutManifest("app", "huge", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest), MediaTypes.OciManifest);

        var e = await Assert.ThrowsAsync<RegistryVerificationException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app:huge"), PlatformMatcher.Default, default));

        Assert.Contains($"config {image.Config.Descriptor.Digest}: size {64L << 20} exceeds", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(registry.Requests, r => r.PathAndQuery.Contains("/blobs/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Manifest_fetched_by_digest_must_hash_to_it()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create();
        image.ServeFrom(registry, "app");
        var other = TestImage.Create();
        registry.Manifests["app:" + image.ManifestDigest] = (other.Manifest, MediaTypes.OciManifest);

        var e = await Assert.ThrowsAsync<RegistryVerificationException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app@" + image.ManifestDigest), PlatformMatcher.Default, default));

        Assert.Contains($"manifest verification failed for digest {image.ManifestDigest}", e.Message, StringComparison.Ordinal);
        Assert.Empty(fx.Store.List());
    }

    [Fact]
    public async Task Manifest_by_tag_whose_docker_content_digest_disagrees_is_refused()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        TestImage.Create().ServeFrom(registry, "app");
        registry.Intercept = async ctx =>
        {
            if (!ctx.Request.Path.Value!.EndsWith("/manifests/latest", StringComparison.Ordinal))
                return false;
            var (bytes, type) = registry.Manifests["app:latest"];
            ctx.Response.ContentType = type;
            ctx.Response.Headers["Docker-Content-Digest"] = "sha256:" + new string('a', 64);
            await ctx.Response.Body.WriteAsync(bytes);
            return true;
        };

        var e = await Assert.ThrowsAsync<RegistryVerificationException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default));
        Assert.Contains("Docker-Content-Digest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversize_manifest_is_refused_before_it_is_read_whole()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        long written = 0;
        var clientDone = false;
        registry.Intercept = async ctx =>
        {
            if (!ctx.Request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal))
                return false;
            // No Content-Length: the client must count and stop; the server would send 100 MiB, paced
            // so that it is still writing when the client gives up (Kestrel drops writes silently once
            // the client has gone, so only writes before that are counted).
            ctx.Response.ContentType = MediaTypes.OciManifest;
            var chunk = new byte[64 << 10];
            Array.Fill(chunk, (byte)' ');
            try
            {
                for (var i = 0; i < 1600 && !ctx.RequestAborted.IsCancellationRequested && !Volatile.Read(ref clientDone); i++)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    Interlocked.Add(ref written, chunk.Length);
                    await Task.Delay(1, ctx.RequestAborted);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
            return true;
        };

        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default));
        Volatile.Write(ref clientDone, true);

        Assert.Contains("limit", e.Message, StringComparison.Ordinal);
        Assert.True(Interlocked.Read(ref written) < 32L << 20, $"server wrote {written} bytes before the client gave up");
    }

    [Fact]
    public async Task Oversize_manifest_with_a_declared_length_is_refused_without_reading()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        registry.Intercept = async ctx =>
        {
            if (!ctx.Request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal))
                return false;
            ctx.Response.ContentType = MediaTypes.OciManifest;
            ctx.Response.ContentLength = 100L << 20;
            await ctx.Response.Body.WriteAsync(new byte[1024]);
            await ctx.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            ctx.Abort();
            return true;
        };

        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default));
        Assert.Contains($"refusing {100L << 20} byte response", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_after_is_honoured_on_503()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        TestImage.Create().ServeFrom(registry, "app");
        var refused = 0;
        registry.Intercept = ctx =>
        {
            if (!ctx.Request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal) || Interlocked.Increment(ref refused) > 1)
                return Task.FromResult(false);
            ctx.Response.StatusCode = 503;
            ctx.Response.Headers.RetryAfter = "2";
            return Task.FromResult(true);
        };
        var clock = Stopwatch.StartNew();

        await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"retried after {clock.Elapsed}, Retry-After said 2 s");
    }

    [Fact]
    public async Task Too_many_requests_gives_up_after_the_bounded_attempts()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var tries = 0;
        registry.Intercept = ctx =>
        {
            if (!ctx.Request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal))
                return Task.FromResult(false);
            Interlocked.Increment(ref tries);
            ctx.Response.StatusCode = 429;
            return Task.FromResult(true);
        };

        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default));
        Assert.Equal(fx.Options.MaxAttempts, tries);
        Assert.Contains("429", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_blob_download_resumes_with_a_range_request()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create(layers: 1, layerPadding: 2 << 20);
        image.ServeFrom(registry, "app");
        var layer = image.Layers[0];
        var half = layer.Bytes.Length / 2;
        var broken = 0;
        registry.Intercept = async ctx =>
        {
            if (!ctx.Request.Path.Value!.EndsWith(layer.Descriptor.Digest.ToString(), StringComparison.Ordinal) || ctx.Request.Method != "GET")
                return false;
            if (Interlocked.Increment(ref broken) == 1)
            {
                ctx.Response.ContentLength = layer.Bytes.Length;
                await ctx.Response.Body.WriteAsync(layer.Bytes.AsMemory(0, half));
                await ctx.Response.Body.FlushAsync();
                await Task.Delay(200);
                ctx.Abort();
                return true;
            }
            var range = ctx.Request.Headers.Range.ToString();
            var from = long.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            ctx.Response.StatusCode = StatusCodes.Status206PartialContent;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{layer.Bytes.Length - 1}/{layer.Bytes.Length}";
            ctx.Response.ContentLength = layer.Bytes.Length - from;
            await ctx.Response.Body.WriteAsync(layer.Bytes.AsMemory((int)from));
            return true;
        };

        await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default);

        Assert.True(fx.Store.Content.Verify(layer.Descriptor.Digest));
        var gets = registry.Requests.Where(r => r.Method == "GET" && r.PathAndQuery.EndsWith(layer.Descriptor.Digest.ToString(), StringComparison.Ordinal)).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Equal("", gets[0].Range);
        Assert.StartsWith("bytes=", gets[1].Range, StringComparison.Ordinal);
        Assert.NotEqual("bytes=0-", gets[1].Range);
    }

    [Fact]
    public async Task Layer_is_extracted_while_it_downloads()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create(layers: 1, layerPadding: 2 << 20);
        image.ServeFrom(registry, "app");
        var layer = image.Layers[0];
        var extractedEarly = false;
        registry.Intercept = async ctx =>
        {
            if (!ctx.Request.Path.Value!.EndsWith(layer.Descriptor.Digest.ToString(), StringComparison.Ordinal) || ctx.Request.Method != "GET")
                return false;
            // The first half holds file0.txt, the layer's first entry: it must land in the snapshot
            // before the second half is sent. A pull that waits for the whole blob never shows it.
            var half = layer.Bytes.Length / 2;
            ctx.Response.ContentLength = layer.Bytes.Length;
            await ctx.Response.Body.WriteAsync(layer.Bytes.AsMemory(0, half));
            await ctx.Response.Body.FlushAsync();
            var deadline = Stopwatch.StartNew();
            while (!extractedEarly && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                extractedEarly = Directory.EnumerateFiles(Path.Combine(fx.Dir, "root"), "file0.txt", SearchOption.AllDirectories).Any();
                await Task.Delay(20);
            }
            await ctx.Response.Body.WriteAsync(layer.Bytes.AsMemory(half));
            return true;
        };

        await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default);

        Assert.True(extractedEarly, "file0.txt appeared only after the whole layer was downloaded");
        Assert.True(fx.Store.Content.Verify(layer.Descriptor.Digest));
        Assert.Empty(fx.Store.Content.ListIngests());
    }

    [Fact]
    public async Task Pull_resumes_an_interrupted_ingest_and_unpacks_its_bytes_with_the_rest()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create(layers: 1, layerPadding: 1 << 20);
        image.ServeFrom(registry, "app");
        var layer = image.Layers[0];
        var kept = layer.Bytes.Length / 3;
        // What a pull killed mid-layer leaves: an ingest under the digest, a third of the bytes in.
        using (var interrupted = fx.Store.Content.OpenWriter(layer.Descriptor.Digest.ToString(), layer.Descriptor.Size, layer.Descriptor.Digest))
            interrupted.Write(layer.Bytes.AsSpan(0, kept));

        var result = await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default);

        var get = Assert.Single(registry.Requests, r => r.Method == "GET" && r.PathAndQuery.EndsWith(layer.Descriptor.Digest.ToString(), StringComparison.Ordinal));
        Assert.Equal($"bytes={kept}-", get.Range);
        Assert.True(fx.Store.Content.Verify(layer.Descriptor.Digest));
        Assert.Empty(fx.Store.Content.ListIngests());
        Assert.Equal(layer.Descriptor.Digest, result.Image.ManifestDocument.Layers[0].Digest);
        Assert.Contains(fx.Store.Snapshotter.Walk(), s => s.Key == result.Image.ChainIds[0].ToString() && s.Kind == Berth.Images.Snapshots.SnapshotKind.Committed);
    }

    [Fact]
    public async Task Registry_that_ignores_range_sends_the_whole_blob_and_the_bytes_already_stored_are_skipped()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        var image = TestImage.Create(layers: 1, layerPadding: 1 << 20);
        image.ServeFrom(registry, "app");
        var layer = image.Layers[0];
        using (var interrupted = fx.Store.Content.OpenWriter(layer.Descriptor.Digest.ToString(), layer.Descriptor.Size, layer.Descriptor.Digest))
            interrupted.Write(layer.Bytes.AsSpan(0, layer.Bytes.Length / 2));
        registry.Intercept = async ctx =>
        {
            if (!ctx.Request.Path.Value!.EndsWith(layer.Descriptor.Digest.ToString(), StringComparison.Ordinal) || ctx.Request.Method != "GET")
                return false;
            ctx.Response.ContentLength = layer.Bytes.Length;
            await ctx.Response.Body.WriteAsync(layer.Bytes);
            return true;
        };

        await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default);

        Assert.True(fx.Store.Content.Verify(layer.Descriptor.Digest));
        Assert.NotNull(fx.Store.Find($"{registry.Authority}/app:latest"));
    }

    [Fact]
    public async Task Layers_after_the_first_download_while_a_snapshotter_that_stacks_layers_extracts_the_first()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using var fx = new ClientFixture();
        Assert.False(fx.Store.Snapshotter.ExtractsWithoutParent);
        var image = TestImage.Create(layers: 3, layerPadding: 256 << 10);
        image.ServeFrom(registry, "app");
        var first = image.Layers[0];
        var othersAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = 0;
        registry.Intercept = async ctx =>
        {
            if (ctx.Request.Method != "GET" || !ctx.Request.Path.Value!.Contains("/blobs/", StringComparison.Ordinal))
                return false;
            if (image.Layers.Skip(1).Any(l => ctx.Request.Path.Value!.EndsWith(l.Descriptor.Digest.ToString(), StringComparison.Ordinal))
                && Interlocked.Increment(ref asked) == 2)
                othersAsked.TrySetResult();
            if (!ctx.Request.Path.Value!.EndsWith(first.Descriptor.Digest.ToString(), StringComparison.Ordinal))
                return false;
            // The first layer is held back until both later layers were asked for (or 10 s passed).
            await Task.WhenAny(othersAsked.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            ctx.Response.ContentLength = first.Bytes.Length;
            await ctx.Response.Body.WriteAsync(first.Bytes);
            return true;
        };

        await new ImagePuller(fx.Store, fx.Client).PullAsync(Ref(registry, "app"), PlatformMatcher.Default, default);

        Assert.True(othersAsked.Task.IsCompleted, "the later layers were fetched only after the first one");
        Assert.All(image.Layers, l => Assert.True(fx.Store.Content.Verify(l.Descriptor.Digest)));
        Assert.Empty(fx.Store.Content.ListIngests());
        Assert.Equal(1, registry.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.EndsWith(image.Layers[2].Descriptor.Digest.ToString(), StringComparison.Ordinal)));
    }
}
