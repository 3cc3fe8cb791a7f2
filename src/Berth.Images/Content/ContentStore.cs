using Berth.Images.Oci;

namespace Berth.Images.Content;

/// <summary>
/// Content-addressed blobs on disk, after containerd's local content store:
/// <c>&lt;root&gt;/content/blobs/&lt;alg&gt;/&lt;hex&gt;</c> for committed blobs and
/// <c>&lt;root&gt;/content/ingest/&lt;sha256(ref)&gt;/</c> for writes in progress. A blob appears
/// only after its size and digest are verified, by an atomic rename, and is never modified after.
/// Safe for concurrent use by several threads and processes.
/// </summary>
public sealed class ContentStore
{
    private readonly string _blobs;
    private readonly string _ingest;

    public ContentStore(string root)
    {
        Root = Path.GetFullPath(root);
        _blobs = Path.Combine(Root, "content", "blobs");
        _ingest = Path.Combine(Root, "content", "ingest");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_ingest);
    }

    public string Root { get; }

    /// <summary>Where the blob lives (or would); safe to build from any parsed <see cref="Digest"/>.</summary>
    public string BlobPath(Digest digest) => Path.Combine(_blobs, digest.Algorithm, digest.Encoded);

    public bool Exists(Digest digest) => File.Exists(BlobPath(digest));

    public ContentInfo Info(Digest digest)
    {
        var file = new FileInfo(BlobPath(digest));
        return file.Exists
            ? new ContentInfo(digest, file.Length, file.LastWriteTimeUtc)
            : throw new ContentNotFoundException(digest);
    }

    /// <summary>A read-only, seekable stream over the blob, for ranged reads.</summary>
    public FileStream OpenRead(Digest digest)
    {
        try
        {
            return new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContentNotFoundException(digest);
        }
    }

    /// <summary>The whole blob, refused before reading when larger than <paramref name="maxSize"/> (for JSON documents).</summary>
    public byte[] ReadAllBytes(Digest digest, long maxSize)
    {
        using var stream = OpenRead(digest);
        if (stream.Length > maxSize)
            throw new ContentException($"blob {digest}: size {stream.Length} exceeds {FormatSize(maxSize)} limit");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Removes the blob; false when it was not there. Readers that have it open keep reading.</summary>
    public bool Delete(Digest digest)
    {
        var path = BlobPath(digest);
        if (!File.Exists(path))
            return false;
        File.Delete(path);
        return true;
    }

    /// <summary>Every committed blob. Files whose names are not digests (stray temp files, junk) are skipped.</summary>
    public IEnumerable<ContentInfo> Walk()
    {
        foreach (var algorithm in new[] { Digest.Sha256, Digest.Sha512 })
        {
            var dir = new DirectoryInfo(Path.Combine(_blobs, algorithm));
            if (!dir.Exists)
                continue;
            foreach (var file in dir.EnumerateFiles())
            {
                if (file.LinkTarget is null && Digest.TryParse($"{algorithm}:{file.Name}", out var digest, out _))
                    yield return new ContentInfo(digest, file.Length, file.LastWriteTimeUtc);
            }
        }
    }

    /// <summary>Rehashes the blob; false when its bytes no longer match its name (disk corruption, tampering).</summary>
    public bool Verify(Digest digest)
    {
        using var stream = OpenRead(digest);
        return Hash(stream, digest.Algorithm) == digest;
    }

    /// <summary>
    /// Opens (or resumes) the ingest for <paramref name="reference"/>. Throws
    /// <see cref="ContentLockedException"/> when another writer holds it (retry later), and
    /// <see cref="ContentAlreadyExistsException"/> when <paramref name="expected"/> is already stored.
    /// An interrupted ingest opened with a different expected size or digest starts over.
    /// </summary>
    /// <param name="expectedSize">the size to enforce while writing, or -1</param>
    /// <param name="expected">the digest the content should have; it also picks the hash (sha256 when null)</param>
    public ContentWriter OpenWriter(string reference, long expectedSize = -1, Digest? expected = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        if (expected is { } d && Exists(d))
            throw new ContentAlreadyExistsException(d);
        var dir = IngestPath(reference);
        var ingestLock = IngestLock.Acquire(dir, reference);
        try
        {
            var status = IngestFiles.Read(dir);
            if (status is null || status.Reference != reference
                || (expectedSize >= 0 && status.Total != expectedSize)
                || (expected is not null && status.Expected != expected))
            {
                IngestFiles.Start(dir, reference, expectedSize, expected);
                status = IngestFiles.Read(dir) ?? throw new ContentException($"ref {reference}: ingest {dir} unreadable after creating it");
            }
            return new ContentWriter(this, dir, ingestLock, status, (expected ?? status.Expected)?.Algorithm ?? Digest.Sha256);
        }
        catch
        {
            ingestLock.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="source"/> and commits it, resuming an interrupted ingest of the same ref when the source can seek.</summary>
    public CommitResult Ingest(string reference, Stream source, long expectedSize, Digest expected)
    {
        ContentWriter writer;
        try
        {
            writer = OpenWriter(reference, expectedSize, expected);
        }
        catch (ContentAlreadyExistsException)
        {
            return CommitResult.AlreadyExists;
        }
        using (writer)
        {
            if (writer.Offset > 0)
            {
                if (source.CanSeek)
                    source.Seek(writer.Offset, SeekOrigin.Begin);
                else
                    writer.Truncate();
            }
            source.CopyTo(writer);
            return writer.Commit(expectedSize, expected);
        }
    }

    /// <summary>Ingests the content a descriptor names, under the digest itself as the ref.</summary>
    public CommitResult Ingest(Stream source, Descriptor expected) =>
        Ingest(expected.Digest.ToString(), source, expected.Size, expected.Digest);

    /// <summary>Discards the ingest of <paramref name="reference"/>; false when there was none.</summary>
    public bool Abort(string reference)
    {
        var dir = IngestPath(reference);
        if (!Directory.Exists(dir))
            return false;
        using var ingestLock = IngestLock.Acquire(dir, reference);
        var existed = IngestFiles.Read(dir) is not null;
        IngestFiles.Discard(dir);
        return existed;
    }

    /// <summary>The ingests on disk, whether a writer is at work on them or was interrupted.</summary>
    public IReadOnlyList<IngestStatus> ListIngests()
    {
        var list = new List<IngestStatus>();
        foreach (var dir in Directory.EnumerateDirectories(_ingest))
        {
            if (!Path.GetFileName(dir).StartsWith(IngestFiles.TrashPrefix, StringComparison.Ordinal) && IngestFiles.Read(dir) is { } status)
                list.Add(status);
        }
        return list;
    }

    /// <summary>
    /// Startup cleanup: discards ingests nobody writes to that were last touched before
    /// <paramref name="olderThan"/> ago, unreadable ones, and trash left by a crash mid-delete.
    /// Ingests locked by a live writer are left alone. Returns how many directories were removed.
    /// </summary>
    public int CleanStaleIngests(TimeSpan olderThan)
    {
        var cutoff = DateTimeOffset.UtcNow - olderThan;
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(_ingest))
        {
            if (Path.GetFileName(dir).StartsWith(IngestFiles.TrashPrefix, StringComparison.Ordinal))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                    removed++;
                }
                catch (DirectoryNotFoundException)
                {
                    // Another process finished deleting it first.
                }
                continue;
            }
            try
            {
                using var ingestLock = IngestLock.Acquire(dir, Path.GetFileName(dir));
                var status = IngestFiles.Read(dir);
                var touched = status?.UpdatedAt ?? Directory.GetLastWriteTimeUtc(dir);
                if (touched < cutoff)
                {
                    IngestFiles.Discard(dir);
                    removed++;
                }
            }
            catch (ContentLockedException)
            {
            }
        }
        return removed;
    }

    /// <summary>Moves a verified ingest's data to its blob path; the caller holds the ingest's lock.</summary>
    internal CommitResult Publish(string ingestDir, Digest digest)
    {
        var target = BlobPath(digest);
        var data = Path.Combine(ingestDir, IngestFiles.Data);
        var algorithmDir = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(algorithmDir);
        var result = CommitResult.Written;
        if (File.Exists(target))
        {
            result = CommitResult.AlreadyExists;
        }
        else
        {
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            try
            {
                // Without overwrite, .NET links then unlinks: atomic, and a concurrent writer of the
                // same digest that won the race is never replaced under its readers.
                File.Move(data, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                result = CommitResult.AlreadyExists;
            }
        }
        if (result == CommitResult.Written)
            IngestFiles.FsyncDirectory(algorithmDir);
        IngestFiles.Discard(ingestDir);
        return result;
    }

    internal static Digest Hash(Stream stream, string algorithm)
    {
        using var hasher = Digest.CreateHasher(algorithm);
        stream.Position = 0;
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
            hasher.AppendData(buffer, 0, n);
        return Digest.FromHash(algorithm, hasher.GetHashAndReset());
    }

    private string IngestPath(string reference) => Path.Combine(_ingest, IngestFiles.DirectoryName(reference));

    private static string FormatSize(long bytes) =>
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";
}
