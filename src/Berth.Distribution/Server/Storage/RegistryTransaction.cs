using Berth.Images.Content;
using Berth.Images.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Distribution.Server.Storage;

/// <summary>The queries of the registry database, inside one transaction of <see cref="RegistryDatabase"/>.</summary>
public sealed class RegistryTransaction
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    internal RegistryTransaction(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public long? RepositoryId(string name) =>
        Scalar("SELECT id FROM repositories WHERE name = $name", ("$name", name)) is long id ? id : null;

    public long EnsureRepository(string name)
    {
        Execute("INSERT INTO repositories (name) VALUES ($name) ON CONFLICT (name) DO NOTHING", ("$name", name));
        return RepositoryId(name) ?? throw new InvalidOperationException($"repository {name}: missing after insert");
    }

    public bool IsLinked(string repository, Digest digest) =>
        Scalar("""
            SELECT 1 FROM blob_links l JOIN repositories r ON r.id = l.repository_id
            WHERE r.name = $name AND l.digest = $digest
            """, ("$name", repository), ("$digest", digest.ToString())) is not null;

    public void Link(string repository, Digest digest) =>
        Execute("INSERT INTO blob_links (repository_id, digest, created) VALUES ($id, $digest, $now) ON CONFLICT DO NOTHING",
            ("$id", EnsureRepository(repository)), ("$digest", digest.ToString()), ("$now", Now()));

    public bool Unlink(string repository, Digest digest) =>
        Execute("DELETE FROM blob_links WHERE repository_id = (SELECT id FROM repositories WHERE name = $name) AND digest = $digest",
            ("$name", repository), ("$digest", digest.ToString())) > 0;

    /// <summary>Stores (or replaces) a manifest with what it references, links its bytes, and points <paramref name="tag"/> at it.</summary>
    public void PutManifest(string repository, ManifestRecord manifest, IEnumerable<Digest> references, string? tag)
    {
        var id = EnsureRepository(repository);
        var digest = manifest.Digest.ToString();
        Execute("""
            INSERT INTO manifests (repository_id, digest, media_type, size, artifact_type, subject, annotations, created)
            VALUES ($id, $digest, $mediaType, $size, $artifactType, $subject, $annotations, $now)
            ON CONFLICT (repository_id, digest) DO UPDATE SET media_type = excluded.media_type, size = excluded.size,
                artifact_type = excluded.artifact_type, subject = excluded.subject, annotations = excluded.annotations
            """,
            ("$id", id), ("$digest", digest), ("$mediaType", manifest.MediaType), ("$size", manifest.Size),
            ("$artifactType", manifest.ArtifactType), ("$subject", manifest.Subject?.ToString()),
            ("$annotations", manifest.AnnotationsJson), ("$now", Now()));
        Execute("DELETE FROM manifest_references WHERE repository_id = $id AND digest = $digest", ("$id", id), ("$digest", digest));
        foreach (var child in references.Distinct())
        {
            Execute("INSERT INTO manifest_references (repository_id, digest, child) VALUES ($id, $digest, $child) ON CONFLICT DO NOTHING",
                ("$id", id), ("$digest", digest), ("$child", child.ToString()));
        }
        Link(repository, manifest.Digest);
        if (tag is not null)
        {
            Execute("""
                INSERT INTO tags (repository_id, name, digest, updated) VALUES ($id, $tag, $digest, $now)
                ON CONFLICT (repository_id, name) DO UPDATE SET digest = excluded.digest, updated = excluded.updated
                """, ("$id", id), ("$tag", tag), ("$digest", digest), ("$now", Now()));
        }
    }

    public ManifestRecord? GetManifest(string repository, Digest digest)
    {
        using var command = Command("""
            SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations
            FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = $name AND m.digest = $digest
            """, ("$name", repository), ("$digest", digest.ToString()));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadManifest(reader) : null;
    }

    public Digest? ResolveTag(string repository, string tag) =>
        Scalar("""
            SELECT t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id
            WHERE r.name = $name AND t.name = $tag
            """, ("$name", repository), ("$tag", tag)) is string digest ? Digest.Parse(digest) : null;

    /// <summary>Removes a manifest and every tag that pointed at it; its bytes stay until garbage collection.</summary>
    public bool DeleteManifest(string repository, Digest digest)
    {
        if (RepositoryId(repository) is not { } id)
            return false;
        var removed = Execute("DELETE FROM manifests WHERE repository_id = $id AND digest = $digest", ("$id", id), ("$digest", digest.ToString())) > 0;
        if (removed)
            Execute("DELETE FROM blob_links WHERE repository_id = $id AND digest = $digest", ("$id", id), ("$digest", digest.ToString()));
        return removed;
    }

    public bool DeleteTag(string repository, string tag) =>
        Execute("DELETE FROM tags WHERE repository_id = (SELECT id FROM repositories WHERE name = $name) AND name = $tag",
            ("$name", repository), ("$tag", tag)) > 0;

    /// <summary>Up to <paramref name="limit"/> tags after <paramref name="last"/>, in order; one more is asked for to know whether a next page exists.</summary>
    public IReadOnlyList<string> Tags(string repository, string? last, int limit) =>
        Strings("""
            SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id
            WHERE r.name = $name AND t.name > $last ORDER BY t.name LIMIT $limit
            """, ("$name", repository), ("$last", last ?? ""), ("$limit", limit));

    public IReadOnlyList<string> Repositories(string? last, int limit) =>
        Strings("SELECT name FROM repositories WHERE name > $last ORDER BY name LIMIT $limit", ("$last", last ?? ""), ("$limit", limit));

    public IReadOnlyList<ManifestRecord> Referrers(string repository, Digest subject)
    {
        using var command = Command("""
            SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations
            FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = $name AND m.subject = $subject ORDER BY m.created, m.digest
            """, ("$name", repository), ("$subject", subject.ToString()));
        using var reader = command.ExecuteReader();
        var list = new List<ManifestRecord>();
        while (reader.Read())
            list.Add(ReadManifest(reader));
        return list;
    }

    public void CreateUpload(string id, string repository) =>
        Execute("INSERT INTO uploads (id, repository, created, updated) VALUES ($id, $repository, $now, $now)",
            ("$id", id), ("$repository", repository), ("$now", Now()));

    public UploadRecord? GetUpload(string id)
    {
        using var command = Command("SELECT id, repository, created, updated FROM uploads WHERE id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new UploadRecord(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null;
    }

    public void TouchUpload(string id) =>
        Execute("UPDATE uploads SET updated = $now WHERE id = $id", ("$id", id), ("$now", Now()));

    public bool DeleteUpload(string id) => Execute("DELETE FROM uploads WHERE id = $id", ("$id", id)) > 0;

    public IReadOnlyList<string> UploadsUntouchedSince(DateTimeOffset cutoff) =>
        Strings("SELECT id FROM uploads WHERE updated < $cutoff", ("$cutoff", cutoff.ToUnixTimeMilliseconds()));

    public IReadOnlyList<string> AllUploads() => Strings("SELECT id FROM uploads");

    /// <summary>Every digest some manifest of some repository stands for or references: the live set of garbage collection.</summary>
    public IReadOnlySet<string> ReferencedDigests() =>
        Strings("SELECT digest FROM manifests UNION SELECT child FROM manifest_references").ToHashSet(StringComparer.Ordinal);

    /// <summary>Blob links no manifest of their own repository stands for or references.</summary>
    public IReadOnlyList<(string Repository, string Digest)> UnreferencedLinks()
    {
        using var command = Command("""
            SELECT r.name, l.digest FROM blob_links l JOIN repositories r ON r.id = l.repository_id
            WHERE NOT EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = l.repository_id AND m.digest = l.digest)
              AND NOT EXISTS (SELECT 1 FROM manifest_references c WHERE c.repository_id = l.repository_id AND c.child = l.digest)
            ORDER BY r.name, l.digest
            """);
        using var reader = command.ExecuteReader();
        var list = new List<(string, string)>();
        while (reader.Read())
            list.Add((reader.GetString(0), reader.GetString(1)));
        return list;
    }

    public bool UnlinkRaw(string repository, string digest) =>
        Execute("DELETE FROM blob_links WHERE repository_id = (SELECT id FROM repositories WHERE name = $name) AND digest = $digest",
            ("$name", repository), ("$digest", digest)) > 0;

    private static ManifestRecord ReadManifest(SqliteDataReader reader) => new(
        Digest.Parse(reader.GetString(0)),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.IsDBNull(4) ? null : Digest.Parse(reader.GetString(4)),
        reader.IsDBNull(5) ? null : reader.GetString(5));

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters) =>
        SqliteCommands.Create(_connection, _transaction, sql, parameters);

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar();
    }

    private List<string> Strings(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read())
            list.Add(reader.GetString(0));
        return list;
    }
}
