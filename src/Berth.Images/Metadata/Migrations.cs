namespace Berth.Images.Metadata;

/// <summary>
/// The schema, as an ordered list of steps. Step <c>i</c> takes the database from version <c>i</c> to
/// <c>i + 1</c> (PRAGMA user_version); each runs in its own transaction, so a crash leaves the
/// database at a version it can resume from. Steps are only ever appended: a released step is never
/// edited, because databases already past it would not see the change.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: images, snapshots, leases.
        """
        CREATE TABLE images (
            name              TEXT    NOT NULL PRIMARY KEY,
            target_digest     TEXT    NOT NULL,
            target_media_type TEXT    NOT NULL,
            target_size       INTEGER NOT NULL CHECK (target_size >= 0),
            created           INTEGER NOT NULL,
            updated           INTEGER NOT NULL,
            labels            TEXT    NOT NULL DEFAULT '{}'
        ) STRICT;
        -- "docker rmi <id>" and GC look images up by what they point at.
        CREATE INDEX images_by_target ON images (target_digest);

        -- One row per snapshot of every snapshotter. The id never comes back (AUTOINCREMENT) because
        -- it names the snapshot's directory: a leftover directory of a removed snapshot must not be
        -- mistaken for a new one. Committed snapshots of image layers are keyed by their chain id.
        CREATE TABLE snapshots (
            id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            snapshotter TEXT    NOT NULL,
            key         TEXT    NOT NULL,
            parent_id   INTEGER REFERENCES snapshots (id) ON DELETE RESTRICT,
            kind        TEXT    NOT NULL CHECK (kind IN ('active', 'view', 'committed')),
            created     INTEGER NOT NULL,
            updated     INTEGER NOT NULL,
            labels      TEXT    NOT NULL DEFAULT '{}',
            -- Disk usage measured when the snapshot was committed (it cannot change afterwards).
            size        INTEGER,
            inodes      INTEGER,
            UNIQUE (snapshotter, key)
        ) STRICT;
        CREATE INDEX snapshots_by_parent ON snapshots (parent_id);

        CREATE TABLE leases (
            id      TEXT    NOT NULL PRIMARY KEY,
            created INTEGER NOT NULL,
            expires INTEGER,
            labels  TEXT    NOT NULL DEFAULT '{}'
        ) STRICT;
        CREATE INDEX leases_by_expiry ON leases (expires) WHERE expires IS NOT NULL;

        -- What a lease protects from GC. Snapshot keys are "<snapshotter>/<key>", as in containerd.
        CREATE TABLE lease_resources (
            lease_id TEXT NOT NULL REFERENCES leases (id) ON DELETE CASCADE,
            kind     TEXT NOT NULL CHECK (kind IN ('content', 'snapshot', 'ingest')),
            key      TEXT NOT NULL,
            PRIMARY KEY (lease_id, kind, key)
        ) STRICT, WITHOUT ROWID;
        -- GC asks "is this resource held by any lease".
        CREATE INDEX lease_resources_by_resource ON lease_resources (kind, key);
        """,
    ];

    public static int Latest => Steps.Count;
}
