using System.Net;
using Berth.Distribution.Server.Storage;

namespace Berth.Distribution.Tests.Server;

public sealed class ReadOnlyAndGcTests
{
    [Fact]
    public async Task Read_only_registry_refuses_writes_with_405_UNSUPPORTED_and_serves_reads()
    {
        var root = Directory.CreateTempSubdirectory("berth-registry-ro-").FullName;
        try
        {
            await using (var writable = await RegistryHost.StartAsync((_, o) => o with { Root = root }))
                await writable.PushImageAsync("app", "v1");
            await using var host = await RegistryHost.StartAsync((_, o) => o with { Root = root, ReadOnly = true });

            using var post = await host.Client.PostAsync("/v2/app/blobs/uploads/", null);
            using var get = await host.Client.GetAsync("/v2/app/manifests/v1");

            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            Assert.Equal("UNSUPPORTED", await RegistryHost.ErrorCodeAsync(post));
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Gc_removes_unreferenced_blobs_and_links_and_keeps_images_whole()
    {
        await using var host = await RegistryHost.StartAsync();
        var (kept, _) = await host.PushImageAsync("app", "v1", RegistryHost.RandomBytes(100));
        var (deleted, _) = await host.PushImageAsync("app", "v2", RegistryHost.RandomBytes(100));
        var stray = await host.PushBlobAsync("app", RegistryHost.RandomBytes(50));
        using (await host.Client.DeleteAsync($"/v2/app/manifests/{deleted}"))
        {
        }
        var before = host.Server.Storage.Content.Walk().Count();

        var dry = RegistryGarbageCollector.Collect(host.Server.Storage, dryRun: true);
        var afterDry = host.Server.Storage.Content.Walk().Count();
        var result = RegistryGarbageCollector.Collect(host.Server.Storage, dryRun: false);

        Assert.Equal(before, afterDry);
        Assert.Equal(dry.DeletedBlobs, result.DeletedBlobs);
        // The deleted manifest, its layer and the stray blob; the shared config stays for v1.
        Assert.Equal(3, result.DeletedBlobs.Count);
        Assert.Contains(stray.ToString(), result.DeletedBlobs);
        Assert.Contains($"app@{stray}", result.UnlinkedBlobs);
        using var manifest = await host.Client.GetAsync($"/v2/app/manifests/{kept}");
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        using var strayGet = await host.Client.GetAsync($"/v2/app/blobs/{stray}");
        Assert.Equal(HttpStatusCode.NotFound, strayGet.StatusCode);
    }

    [Fact]
    public async Task Gc_is_refused_while_a_writable_server_uses_the_root_and_allowed_beside_a_read_only_one()
    {
        var root = Directory.CreateTempSubdirectory("berth-registry-lock-").FullName;
        try
        {
            InvalidOperationException refused;
            await using (await RegistryHost.StartAsync((_, o) => o with { Root = root }))
                refused = Assert.Throws<InvalidOperationException>(() => RegistryGarbageCollector.Run(root, dryRun: true));
            await using var readOnly = await RegistryHost.StartAsync((_, o) => o with { Root = root, ReadOnly = true });

            var result = RegistryGarbageCollector.Run(root, dryRun: true);

            Assert.Equal($"registry root {root}: a writable server is using it; stop it or restart it with --read-only before registry gc", refused.Message);
            Assert.Empty(result.DeletedBlobs);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Second_writable_server_on_one_root_is_refused()
    {
        var root = Directory.CreateTempSubdirectory("berth-registry-lock-").FullName;
        try
        {
            await using var first = await RegistryHost.StartAsync((_, o) => o with { Root = root });

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RegistryHost.StartAsync((_, o) => o with { Root = root }));

            Assert.Equal($"registry root {root}: in use by another server or gc; registry serve needs it alone", error.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
