namespace Berth.Distribution.Server.Storage;

/// <summary>
/// <c>berth registry gc</c>, offline mark and sweep as distribution's garbage-collect: the live set
/// is every manifest of every repository and what each references (config, layers, child manifests).
/// Then blob links no manifest of their repository accounts for are removed (a layer pushed and never
/// used, a blob whose manifest was deleted), and blobs in the content store outside the live set are
/// deleted. Run it with the server stopped or in <c>--read-only</c> mode: an upload finishing
/// between mark and sweep would lose a blob that its manifest has not referenced yet;
/// <see cref="Run"/> refuses to start while a writable server holds the root (<see cref="RegistryRootLock"/>).
/// </summary>
public static class RegistryGarbageCollector
{
    /// <summary>Collects the registry under <paramref name="root"/>, unless a writable server is using it.</summary>
    public static RegistryGcResult Run(string root, bool dryRun)
    {
        using var rootLock = RegistryRootLock.Acquire(root, exclusive: false, "registry gc");
        using var storage = new RegistryStorage(root);
        return Collect(storage, dryRun);
    }

    /// <summary>Collects through an open storage; the caller keeps writers away.</summary>
    public static RegistryGcResult Collect(RegistryStorage storage, bool dryRun)
    {
        var unlinked = storage.Database.Read(tx => tx.UnreferencedLinks());
        var live = storage.Database.Read(tx => tx.ReferencedDigests());
        if (!dryRun)
        {
            storage.Database.Write(tx =>
            {
                foreach (var (repository, digest) in unlinked)
                    tx.UnlinkRaw(repository, digest);
            });
        }
        var deleted = new List<string>();
        long bytes = 0;
        foreach (var blob in storage.Content.Walk())
        {
            var digest = blob.Digest.ToString();
            if (live.Contains(digest))
                continue;
            if (!dryRun)
                storage.Content.Delete(blob.Digest);
            deleted.Add(digest);
            bytes += blob.Size;
        }
        return new RegistryGcResult(unlinked.Select(l => $"{l.Repository}@{l.Digest}").ToList(), deleted, bytes);
    }
}

/// <summary>What a collection removed (or, in a dry run, would remove).</summary>
public sealed record RegistryGcResult(IReadOnlyList<string> UnlinkedBlobs, IReadOnlyList<string> DeletedBlobs, long BytesFreed);
