using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Transport;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.References;
using Berth.Images.Store;

namespace Berth.Distribution.Client.Pull;

/// <summary>
/// docker pull: resolves the reference to a manifest for the platform (through an index when the
/// registry serves one), then downloads what the store lacks and unpacks it at once: each layer is
/// extracted while it downloads (several side by side), every byte verified, and the image is named
/// last, so an interrupted pull never leaves a name pointing at missing content.
/// </summary>
public sealed class ImagePuller(ImageStore store, RegistryClient client)
{
    /// <summary>Per-layer events, raised from several threads during the parallel download.</summary>
    public Action<LayerProgress>? Progress { get; init; }

    /// <summary>Raised once the reference has resolved to a manifest or index, before any blob is fetched.</summary>
    public Action<Descriptor>? Resolved { get; init; }

    public async Task<PullResult> PullAsync(ImageReference reference, PlatformMatcher platform, CancellationToken ct)
    {
        using var transport = await client.ConnectAsync(reference.Domain, push: false, ct).ConfigureAwait(false);
        var repository = new RegistryRepository(transport, reference.Path);
        var top = await GetTopManifestAsync(transport, repository, reference, ct).ConfigureAwait(false);
        Resolved?.Invoke(top.Descriptor);
        var documents = new List<FetchedManifest> { top };
        var manifest = top;
        for (var depth = 0; MediaTypes.IsIndex(manifest.MediaType); depth++)
        {
            if (depth >= 4)
                throw new RegistryException($"index {top.Digest}: indexes nested too deep");
            var index = ManifestParser.ParseIndex(manifest.Bytes, manifest.Digest, manifest.MediaType);
            var entry = platform.Select(index.Manifests)
                ?? throw new RegistryException($"no matching manifest for {platform.Target} in the manifest list entries");
            if (entry.Size > ManifestParser.MaxDocumentSize)
                throw new RegistryVerificationException($"manifest {entry.Digest}: size {entry.Size} exceeds the {ManifestParser.MaxDocumentSize} byte limit");
            manifest = await repository.GetManifestAsync(entry.Digest.ToString(), entry.Digest, ct).ConfigureAwait(false);
            if (manifest.Bytes.Length != entry.Size)
                throw new RegistryVerificationException($"manifest {entry.Digest}: size {manifest.Bytes.Length} does not match the index's {entry.Size}");
            documents.Add(manifest);
        }
        var image = ManifestParser.ParseManifest(manifest.Bytes, manifest.Digest, manifest.MediaType);
        var config = image.Config!;
        // REG-SIZE-2: the config is read whole into memory later, so it is capped like a manifest.
        if (config.Size > ManifestParser.MaxDocumentSize)
            throw new RegistryVerificationException($"config {config.Digest}: size {config.Size} exceeds the {ManifestParser.MaxDocumentSize} byte limit");

        var downloader = new BlobDownloader(repository, store.Content, client.Options);
        var fresh = await downloader.DownloadAsync(config, null, ct).ConfigureAwait(false);
        // The documents go in before the layers so the image resolves for the unpack; nothing names
        // them until the end, so an interrupted pull leaves only garbage the next collection frees.
        foreach (var document in documents)
            fresh |= store.Content.Ingest(document.Digest.ToString(), new MemoryStream(document.Bytes), document.Bytes.Length, document.Digest) == CommitResult.Written;

        // The index is the image when this platform is the one the store resolves by default;
        // another platform's image is named by its own manifest, so that it resolves without an index entry for the host.
        var target = top.Descriptor;
        if (MediaTypes.IsIndex(top.MediaType) && platform.Target != PlatformMatcher.Default.Target)
            target = manifest.Descriptor;
        var resolved = ImageResolver.Resolve(store.Content, target, platform);

        // Pull and unpack overlap: each missing layer is extracted as its bytes arrive, and stored on the way.
        var pending = new PendingBlobs();
        foreach (var layer in image.Layers.DistinctBy(l => l.Digest))
        {
            if (store.Content.Exists(layer.Digest))
            {
                Progress?.Invoke(new LayerProgress(layer.Digest, LayerPhase.AlreadyExists, layer.Size, layer.Size));
                continue;
            }
            Progress?.Invoke(new LayerProgress(layer.Digest, LayerPhase.Waiting, 0, layer.Size));
            pending.AddIngesting(layer, () => downloader.Open(
                layer,
                offset => Progress?.Invoke(new LayerProgress(layer.Digest, LayerPhase.Downloading, offset, layer.Size)),
                ct));
        }
        fresh |= pending.Count > 0;
        // As many layers at once as docker downloads: a layer waiting on the network leaves its core to another.
        var parallel = Math.Max(Environment.ProcessorCount, client.Options.MaxConcurrentDownloads);
        // A snapshotter that extracts each layer onto its parent takes them one at a time: the layers
        // after the first download meanwhile, and the unpack reads each from the store when it comes to it.
        using var prefetchCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var prefetch = store.Snapshotter.ExtractsWithoutParent || image.Layers.Count < 2
            ? Task.CompletedTask
            : DownloadLayersAsync(downloader, image.Layers.Skip(1).ToList(), Math.Max(1, client.Options.MaxConcurrentDownloads - 1), prefetchCancel.Token);
        try
        {
            await Task.Run(
                () => store.Unpack(
                    resolved,
                    (i, extracted) => Progress?.Invoke(new LayerProgress(image.Layers[i].Digest, LayerPhase.Complete, image.Layers[i].Size, image.Layers[i].Size)),
                    pending,
                    parallel),
                ct).ConfigureAwait(false);
        }
        finally
        {
            await prefetchCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await prefetch.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or RegistryException or IOException or HttpRequestException)
            {
                // A layer the prefetch could not get, the unpack fetched itself (or failed on, with its own error).
            }
        }
        // Layers the unpack did not read (their snapshots existed already) are still the image's: fetch them too.
        await DownloadLayersAsync(downloader, image.Layers, client.Options.MaxConcurrentDownloads, ct).ConfigureAwait(false);

        var name = reference.ToString();
        var before = store.Metadata.View(tx => tx.Images.Get(name));
        store.Register(name, target, new Dictionary<string, string> { [RegistryClient.SourceLabel] = $"{reference.Domain}/{reference.Path}" });
        var updated = fresh || before is null || before.Target != target.Digest;
        return new PullResult(name, top.Descriptor, resolved, updated);
    }

    /// <summary>The manifest or index the reference names; a mirror that fails to give it hands over to the next endpoint.</summary>
    private static async Task<FetchedManifest> GetTopManifestAsync(RegistryTransport transport, RegistryRepository repository, ImageReference reference, CancellationToken ct)
    {
        while (true)
        {
            RegistryException failure;
            try
            {
                return await repository.GetManifestAsync(reference.Digest?.ToString() ?? reference.Tag!, reference.Digest, ct).ConfigureAwait(false);
            }
            catch (RegistryException e) when (transport.Endpoint.IsMirror)
            {
                failure = e;
            }
            if (!await transport.FallBackFromMirrorAsync(ct).ConfigureAwait(false))
                throw failure;
        }
    }

    private async Task DownloadLayersAsync(BlobDownloader downloader, IReadOnlyList<Descriptor> layers, int parallel, CancellationToken ct)
    {
        var missing = layers.DistinctBy(l => l.Digest).Where(l => !store.Content.Exists(l.Digest)).ToList();
        await Parallel.ForEachAsync(
            missing,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = ct },
            async (layer, token) =>
            {
                await downloader.DownloadAsync(
                    layer,
                    offset => Progress?.Invoke(new LayerProgress(layer.Digest, LayerPhase.Downloading, offset, layer.Size)),
                    token).ConfigureAwait(false);
                Progress?.Invoke(new LayerProgress(layer.Digest, LayerPhase.Downloaded, layer.Size, layer.Size));
            }).ConfigureAwait(false);
    }
}
