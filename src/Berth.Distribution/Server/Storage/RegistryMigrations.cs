namespace Berth.Distribution.Server.Storage;

/// <summary>
/// The registry database's schema as ordered steps: step <c>i</c> takes PRAGMA user_version from
/// <c>i</c> to <c>i + 1</c>, each in its own transaction. Released steps are never edited, only appended.
/// </summary>
internal static class RegistryMigrations
{
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: repositories, their blob links, manifests, tags and upload sessions.
        """
        CREATE TABLE repositories (
            id   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            name TEXT    NOT NULL UNIQUE
        ) STRICT;

        -- A blob is served from a repository only when linked to it: that is what keeps a blob pushed
        -- to one repository from being readable (or mountable) through another.
        CREATE TABLE blob_links (
            repository_id INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
            digest        TEXT    NOT NULL,
            created       INTEGER NOT NULL,
            PRIMARY KEY (repository_id, digest)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX blob_links_by_digest ON blob_links (digest);

        CREATE TABLE manifests (
            repository_id INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
            digest        TEXT    NOT NULL,
            media_type    TEXT    NOT NULL,
            size          INTEGER NOT NULL CHECK (size >= 0),
            artifact_type TEXT,
            subject       TEXT,
            annotations   TEXT,
            created       INTEGER NOT NULL,
            PRIMARY KEY (repository_id, digest)
        ) STRICT, WITHOUT ROWID;
        -- The referrers API asks "which manifests of this repository name this subject".
        CREATE INDEX manifests_by_subject ON manifests (repository_id, subject) WHERE subject IS NOT NULL;

        -- What each manifest references (config, layers, child manifests): garbage collection marks these.
        CREATE TABLE manifest_references (
            repository_id INTEGER NOT NULL,
            digest        TEXT    NOT NULL,
            child         TEXT    NOT NULL,
            PRIMARY KEY (repository_id, digest, child),
            FOREIGN KEY (repository_id, digest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX manifest_references_by_child ON manifest_references (child);

        CREATE TABLE tags (
            repository_id INTEGER NOT NULL,
            name          TEXT    NOT NULL,
            digest        TEXT    NOT NULL,
            updated       INTEGER NOT NULL,
            PRIMARY KEY (repository_id, name),
            FOREIGN KEY (repository_id, digest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;

        -- Upload sessions; their bytes are the content store's ingest "upload-<id>".
        CREATE TABLE uploads (
            id         TEXT    NOT NULL PRIMARY KEY,
            repository TEXT    NOT NULL,
            created    INTEGER NOT NULL,
            updated    INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX uploads_by_updated ON uploads (updated);
        """,
    ];

    public static int Latest => Steps.Count;
}
