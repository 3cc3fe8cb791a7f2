using Berth.Distribution.Client.Errors;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.References;
using Berth.Images.Store;

namespace Berth.Distribution.Client.Push;

/// <summary>
/// docker push: every blob the registry lacks (HEAD first), by cross-repository mount when another
/// repository there holds it, else by upload; then the manifests, the tagged one last, so a tag
/// never points at content the registry does not have.
/// </summary>
public sealed class ImagePusher(ImageStore store, RegistryClient client)
{
    public Action<PushProgress>? Progress { get; init; }

    /// <param name="local">the image in the store (a name or ID)</param>
    /// <param name="target">where to push it; its tag (or digest) names the pushed manifest</param>
    public async Task<PushResult> PushAsync(string local, ImageReference target, CancellationToken ct)
    {
        var record = store.Find(local);
        var top = ImageStore.Describe(record);
        var manifests = new List<Descriptor>();
        if (MediaTypes.IsIndex(top.MediaType))
        {
            var index = ManifestParser.ParseIndex(store.Content.ReadAllBytes(top.Digest, ManifestParser.MaxDocumentSize), top.Digest, top.MediaType);
            if (index.Manifests.All(m => store.Content.Exists(m.Digest)))
                manifests.AddRange(index.Manifests);
            else
                top = store.Resolve(record).Manifest;
        }
        if (!MediaTypes.IsIndex(top.MediaType))
            manifests.Add(top);

        using var transport = await client.ConnectAsync(target.Domain, push: true, ct).ConfigureAwait(false);
        var repository = new RegistryRepository(transport, target.Path);
        var sources = MountSources.Find(store, target);
        var documents = new List<(Descriptor Descriptor, byte[] Bytes)>();
        foreach (var m in manifests)
        {
            var bytes = store.Content.ReadAllBytes(m.Digest, ManifestParser.MaxDocumentSize);
            var image = ManifestParser.ParseManifest(bytes, m.Digest, m.MediaType);
            await PushBlobsAsync(repository, image, sources, ct).ConfigureAwait(false);
            documents.Add((m, bytes));
        }
        var reference = target.Tag ?? target.Digest?.ToString() ?? ImageReference.DefaultTag;
        if (MediaTypes.IsIndex(top.MediaType))
        {
            foreach (var (descriptor, bytes) in documents)
                await repository.PutManifestAsync(descriptor.Digest.ToString(), bytes, descriptor.MediaType, ct).ConfigureAwait(false);
            var indexBytes = store.Content.ReadAllBytes(top.Digest, ManifestParser.MaxDocumentSize);
            var digest = await repository.PutManifestAsync(reference, indexBytes, top.MediaType, ct).ConfigureAwait(false);
            return new PushResult(reference, digest, indexBytes.Length);
        }
        var (only, onlyBytes) = documents[0];
        var pushed = await repository.PutManifestAsync(reference, onlyBytes, only.MediaType, ct).ConfigureAwait(false);
        return new PushResult(reference, pushed, onlyBytes.Length);
    }

    private async Task PushBlobsAsync(RegistryRepository repository, ImageManifest image, IReadOnlyDictionary<Digest, string> sources, CancellationToken ct)
    {
        foreach (var layer in image.Layers)
            Progress?.Invoke(new PushProgress(layer.Digest, PushPhase.Preparing, 0, layer.Size));
        var blobs = image.Layers.Prepend(image.Config!).DistinctBy(b => b.Digest).ToList();
        var isLayer = image.Layers.Select(l => l.Digest).ToHashSet();
        await Parallel.ForEachAsync(
            blobs,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, client.Options.MaxConcurrentUploads), CancellationToken = ct },
            async (blob, token) =>
            {
                var (phase, from) = await PushBlobAsync(repository, blob, sources, token).ConfigureAwait(false);
                if (isLayer.Contains(blob.Digest))
                    Progress?.Invoke(new PushProgress(blob.Digest, phase, blob.Size, blob.Size, from));
            }).ConfigureAwait(false);
    }

    private async Task<(PushPhase, string?)> PushBlobAsync(RegistryRepository repository, Descriptor blob, IReadOnlyDictionary<Digest, string> sources, CancellationToken ct)
    {
        if (await repository.StatBlobAsync(blob.Digest, repository.PushScope, ct).ConfigureAwait(false) is not null)
            return (PushPhase.AlreadyExists, null);
        if (!store.Content.Exists(blob.Digest))
            throw new RegistryException($"push {repository.Name}: blob {blob.Digest} is not in the local store");
        Uri? session = null;
        if (sources.TryGetValue(blob.Digest, out var from))
        {
            session = await repository.MountAsync(blob.Digest, from, ct).ConfigureAwait(false);
            if (session is null)
                return (PushPhase.Mounted, from);
        }
        session ??= await repository.StartUploadAsync(ct).ConfigureAwait(false);
        await repository.UploadAsync(
            session,
            blob,
            () => store.Content.OpenRead(blob.Digest),
            offset => Progress?.Invoke(new PushProgress(blob.Digest, PushPhase.Pushing, offset, blob.Size)),
            ct).ConfigureAwait(false);
        return (PushPhase.Pushed, null);
    }
}
