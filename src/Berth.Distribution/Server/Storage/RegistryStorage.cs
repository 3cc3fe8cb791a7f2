using Berth.Images.Content;

namespace Berth.Distribution.Server.Storage;

/// <summary>
/// What a registry root holds: blobs and manifests in a <see cref="ContentStore"/> under
/// <c>&lt;root&gt;</c> (each stored once, whatever the repositories), and which repository has which
/// blob, manifest and tag in <see cref="RegistryDatabase"/>. Upload sessions are content store ingests
/// named <c>upload-&lt;id&gt;</c>, so an interrupted one resumes where its bytes end.
/// </summary>
public sealed class RegistryStorage : IDisposable
{
    public static readonly TimeSpan DefaultUploadTimeout = TimeSpan.FromHours(1);

    public RegistryStorage(string root, TimeSpan? uploadTimeout = null)
    {
        Root = Path.GetFullPath(root);
        Content = new ContentStore(Root);
        Database = RegistryDatabase.Open(Root);
        UploadTimeout = uploadTimeout ?? DefaultUploadTimeout;
    }

    public string Root { get; }

    public ContentStore Content { get; }

    public RegistryDatabase Database { get; }

    /// <summary>A session no request touched for this long is discarded, bytes and all.</summary>
    public TimeSpan UploadTimeout { get; }

    public static string IngestReference(string uploadId) => "upload-" + uploadId;

    public string StartUpload(string repository)
    {
        SweepExpiredUploads();
        var id = Guid.NewGuid().ToString();
        Database.Write(tx => tx.CreateUpload(id, repository));
        return id;
    }

    /// <summary>The session, when it exists, belongs to <paramref name="repository"/> and has not expired.</summary>
    public UploadRecord? FindUpload(string repository, string id)
    {
        SweepExpiredUploads();
        var upload = Database.Read(tx => tx.GetUpload(id));
        return upload is not null && upload.Repository == repository ? upload : null;
    }

    /// <summary>Opens the session's writer at the end of what it holds; throws <see cref="ContentLockedException"/> while another request writes to it.</summary>
    public ContentWriter OpenUpload(string id)
    {
        Database.Write(tx => tx.TouchUpload(id));
        return Content.OpenWriter(IngestReference(id));
    }

    /// <summary>
    /// Verifies the session's bytes against <paramref name="digest"/> and only then publishes and links
    /// the blob (REG-SRV-1). On a mismatch nothing is stored or linked and the session is gone.
    /// </summary>
    public void CompleteUpload(string repository, string id, ContentWriter writer, Digest digest)
    {
        try
        {
            writer.Commit(-1, digest);
        }
        catch (ContentVerificationException)
        {
            // The content store discarded the bytes; the session has nothing left to resume.
            Database.Write(tx => tx.DeleteUpload(id));
            throw;
        }
        Database.Write(tx =>
        {
            tx.DeleteUpload(id);
            tx.Link(repository, digest);
        });
    }

    /// <summary>Discards the session's bytes, then the session; throws <see cref="ContentLockedException"/> while a request writes to it.</summary>
    public bool CancelUpload(string id)
    {
        Content.Abort(IngestReference(id));
        return Database.Write(tx => tx.DeleteUpload(id));
    }

    /// <summary>Discards sessions untouched for <see cref="UploadTimeout"/>; one a request still writes to is left for the next sweep.</summary>
    public int SweepExpiredUploads()
    {
        var expired = Database.Read(tx => tx.UploadsUntouchedSince(DateTimeOffset.UtcNow - UploadTimeout));
        var removed = 0;
        foreach (var id in expired)
        {
            try
            {
                Content.Abort(IngestReference(id));
            }
            catch (ContentLockedException)
            {
                continue;
            }
            if (Database.Write(tx => tx.DeleteUpload(id)))
                removed++;
        }
        return removed;
    }

    /// <summary>Startup cleanup: expired sessions, and ingests no session row owns any more (a crash between the two).</summary>
    public void CleanAtStartup()
    {
        SweepExpiredUploads();
        var live = Database.Read(tx => tx.AllUploads()).Select(IngestReference).ToHashSet(StringComparer.Ordinal);
        foreach (var ingest in Content.ListIngests())
        {
            if (!live.Contains(ingest.Reference))
            {
                try
                {
                    Content.Abort(ingest.Reference);
                }
                catch (ContentLockedException)
                {
                }
            }
        }
        Content.CleanStaleIngests(UploadTimeout);
    }

    public void Dispose() => Database.Dispose();
}
