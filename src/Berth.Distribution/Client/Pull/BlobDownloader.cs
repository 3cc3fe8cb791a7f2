using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Client.Pull;

/// <summary>
/// Downloads blobs into the content store under their digest as the ingest ref, verified against
/// their descriptor while streaming (REG-DIG-1): nothing becomes visible unless digest and size
/// match, and a download interrupted (even by a killed process) resumes from the bytes it has.
/// </summary>
public sealed class BlobDownloader(RegistryRepository repository, ContentStore content, RegistryClientOptions options)
{
    private static readonly TimeSpan s_lockedRetry = TimeSpan.FromMilliseconds(200);

    /// <returns>false when the store already had the blob</returns>
    public async Task<bool> DownloadAsync(Descriptor blob, Action<long>? progress, CancellationToken ct)
    {
        var writer = await OpenWriterAsync(blob, ct).ConfigureAwait(false);
        if (writer is null)
            return false;
        using var fetch = new BlobFetchStream(repository, blob, writer, options, replay: false, progress, ct);
        await fetch.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The blob as a stream from its first byte, stored as it is read (commit it: <see cref="IBlobIngest.Commit"/>),
    /// or the stored blob when it is in the store already or another writer stored it meanwhile.
    /// Blocks while another writer holds the blob's ingest: the unpack thread that calls it has nothing else to do.
    /// </summary>
    public Stream Open(Descriptor blob, Action<long>? progress, CancellationToken ct)
    {
        var writer = OpenWriterAsync(blob, ct).GetAwaiter().GetResult();
        return writer is null
            ? content.OpenRead(blob.Digest)
            : new BlobFetchStream(repository, blob, writer, options, replay: true, progress, ct);
    }

    private async Task<ContentWriter?> OpenWriterAsync(Descriptor blob, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return content.OpenWriter(blob.Digest.ToString(), blob.Size, blob.Digest);
            }
            catch (ContentAlreadyExistsException)
            {
                return null;
            }
            catch (ContentLockedException)
            {
                // Another pull (this process or another) is fetching the same blob: wait for it.
                await Task.Delay(s_lockedRetry, ct).ConfigureAwait(false);
                if (content.Exists(blob.Digest))
                    return null;
            }
        }
    }
}
