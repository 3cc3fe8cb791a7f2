using Berth.Images.Snapshots;
using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>
/// Snapshot records of every snapshotter, inside one <see cref="MetadataTransaction"/>. The
/// snapshotters keep their directories in step with these rows; the rules of the tree (a parent must
/// be committed, a snapshot with children stays) are enforced here, once for all of them.
/// </summary>
public sealed class SnapshotRepository
{
    private const string Select =
        """
        SELECT s.id, s.snapshotter, s.key, p.key, s.kind, s.created, s.updated, s.labels, s.size, s.inodes
        FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id
        """;

    private readonly MetadataTransaction _tx;

    internal SnapshotRepository(MetadataTransaction tx) => _tx = tx;

    /// <summary>Records a new active or view snapshot on <paramref name="parent"/> (a committed key, or null).</summary>
    public SnapshotRecord Create(string snapshotter, string key, string? parent, SnapshotKind kind, IReadOnlyDictionary<string, string>? labels = null)
    {
        if (string.IsNullOrEmpty(key))
            throw new ArgumentException("snapshot key must not be empty", nameof(key));
        if (kind == SnapshotKind.Committed)
            throw new ArgumentException($"snapshot \"{key}\": only active and view snapshots are created; commit an active one", nameof(kind));
        _tx.EnsureWritable();
        var parentId = CheckCanCreate(snapshotter, key, parent)?.Id;
        var now = Time.ToColumn(Time.Now());
        _tx.Execute(
            """
            INSERT INTO snapshots (snapshotter, key, parent_id, kind, created, updated, labels)
            VALUES ($snapshotter, $key, $parent, $kind, $now, $now, $labels)
            """,
            ("$snapshotter", snapshotter), ("$key", key), ("$parent", parentId), ("$kind", KindColumn(kind)),
            ("$now", now), ("$labels", Labels.ToJson(labels)));
        return Get(snapshotter, key)!;
    }

    /// <summary>
    /// Checks that <paramref name="key"/> is free and <paramref name="parent"/> (if any) is committed,
    /// as <see cref="Create"/> will; returns the parent. Lets a snapshotter fail before costly work.
    /// </summary>
    public SnapshotRecord? CheckCanCreate(string snapshotter, string key, string? parent)
    {
        if (Get(snapshotter, key) is not null)
            throw new MetadataException(MetadataErrorKind.AlreadyExists, $"snapshot \"{key}\": already exists");
        if (string.IsNullOrEmpty(parent))
            return null;
        var p = Get(snapshotter, parent)
            ?? throw new MetadataException(MetadataErrorKind.NotFound, $"snapshot \"{key}\": parent \"{parent}\" does not exist");
        if (p.Kind != SnapshotKind.Committed)
            throw new MetadataException(MetadataErrorKind.FailedPrecondition,
                $"snapshot \"{key}\": parent \"{parent}\" is {KindColumn(p.Kind)}, not committed");
        return p;
    }

    public SnapshotRecord? Get(string snapshotter, string key)
    {
        using var command = _tx.Command($"{Select} WHERE s.snapshotter = $snapshotter AND s.key = $key",
            ("$snapshotter", snapshotter), ("$key", key));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public SnapshotRecord GetRequired(string snapshotter, string key) =>
        Get(snapshotter, key) ?? throw new MetadataException(MetadataErrorKind.NotFound, $"snapshot \"{key}\": does not exist");

    /// <summary>Every snapshot of the snapshotter, oldest first.</summary>
    public IReadOnlyList<SnapshotRecord> List(string snapshotter) =>
        Query($"{Select} WHERE s.snapshotter = $snapshotter ORDER BY s.id", ("$snapshotter", snapshotter));

    /// <summary>The committed ancestors of <paramref name="key"/>, nearest first (the overlay lowerdir order).</summary>
    public IReadOnlyList<SnapshotRecord> Ancestors(string snapshotter, string key)
    {
        var self = GetRequired(snapshotter, key);
        var chain = Query(
            $"""
            WITH RECURSIVE chain (id, depth) AS (
                SELECT parent_id, 1 FROM snapshots WHERE id = $id AND parent_id IS NOT NULL
                UNION ALL
                SELECT s.parent_id, c.depth + 1 FROM snapshots s JOIN chain c ON s.id = c.id WHERE s.parent_id IS NOT NULL
            )
            {Select} JOIN chain c ON c.id = s.id ORDER BY c.depth
            """,
            ("$id", self.Id));
        return chain;
    }

    /// <summary>
    /// Turns the active snapshot <paramref name="key"/> into the committed <paramref name="name"/>, keeping its id and directory.
    /// With <paramref name="onto"/>, a snapshot prepared without a parent is committed as the child of
    /// that committed snapshot: for snapshotters whose layers hold only their own diff, so layers can
    /// be extracted side by side and chained afterwards.
    /// </summary>
    public SnapshotRecord Commit(string snapshotter, string name, string key, long size, long inodes, IReadOnlyDictionary<string, string>? labels = null,
        string? onto = null)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("snapshot name must not be empty", nameof(name));
        _tx.EnsureWritable();
        var active = GetRequired(snapshotter, key);
        if (active.Kind != SnapshotKind.Active)
            throw new MetadataException(MetadataErrorKind.FailedPrecondition,
                $"snapshot \"{key}\": is {KindColumn(active.Kind)}, only an active snapshot can be committed");
        if (name != key && Get(snapshotter, name) is not null)
            throw new MetadataException(MetadataErrorKind.AlreadyExists, $"snapshot \"{name}\": already exists");
        long? parentId = null;
        if (!string.IsNullOrEmpty(onto))
        {
            if (active.Parent is not null)
                throw new MetadataException(MetadataErrorKind.FailedPrecondition,
                    $"snapshot \"{key}\": has parent \"{active.Parent}\", only a snapshot without one can be committed onto \"{onto}\"");
            var parent = Get(snapshotter, onto)
                ?? throw new MetadataException(MetadataErrorKind.NotFound, $"snapshot \"{key}\": parent \"{onto}\" does not exist");
            if (parent.Kind != SnapshotKind.Committed)
                throw new MetadataException(MetadataErrorKind.FailedPrecondition,
                    $"snapshot \"{key}\": parent \"{onto}\" is {KindColumn(parent.Kind)}, not committed");
            parentId = parent.Id;
        }
        _tx.Execute(
            """
            UPDATE snapshots SET key = $name, kind = 'committed', updated = $now, size = $size, inodes = $inodes,
                labels = coalesce($labels, labels), parent_id = coalesce($parent, parent_id)
            WHERE id = $id
            """,
            ("$name", name), ("$now", Time.ToColumn(Time.Now())), ("$size", size), ("$inodes", inodes),
            ("$labels", labels is null ? null : Labels.ToJson(labels)), ("$parent", parentId), ("$id", active.Id));
        return Get(snapshotter, name)!;
    }

    /// <summary>Replaces the labels of <paramref name="key"/> (GC roots and references live there, as in containerd).</summary>
    public SnapshotRecord SetLabels(string snapshotter, string key, IReadOnlyDictionary<string, string> labels)
    {
        var record = GetRequired(snapshotter, key);
        _tx.Execute("UPDATE snapshots SET labels = $labels, updated = $now WHERE id = $id",
            ("$labels", Labels.ToJson(labels)), ("$now", Time.ToColumn(Time.Now())), ("$id", record.Id));
        return GetRequired(snapshotter, key);
    }

    /// <summary>Deletes the record of <paramref name="key"/>; refuses while other snapshots are built on it.</summary>
    public SnapshotRecord Remove(string snapshotter, string key)
    {
        _tx.EnsureWritable();
        var record = GetRequired(snapshotter, key);
        using (var command = _tx.Command("SELECT count(*) FROM snapshots WHERE parent_id = $id", ("$id", record.Id)))
        {
            var children = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (children > 0)
                throw new MetadataException(MetadataErrorKind.FailedPrecondition,
                    $"snapshot \"{key}\": cannot remove, {children} snapshot(s) depend on it");
        }
        _tx.Execute("DELETE FROM snapshots WHERE id = $id", ("$id", record.Id));
        return record;
    }

    /// <summary>The ids of the snapshotter's snapshots: every other directory is a leftover.</summary>
    public IReadOnlySet<long> Ids(string snapshotter)
    {
        using var command = _tx.Command("SELECT id FROM snapshots WHERE snapshotter = $snapshotter", ("$snapshotter", snapshotter));
        using var reader = command.ExecuteReader();
        var ids = new HashSet<long>();
        while (reader.Read())
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    private List<SnapshotRecord> Query(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _tx.Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var records = new List<SnapshotRecord>();
        while (reader.Read())
            records.Add(Read(reader));
        return records;
    }

    private static SnapshotRecord Read(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        ParseKind(r.GetString(4)),
        Time.FromColumn(r.GetInt64(5)),
        Time.FromColumn(r.GetInt64(6)),
        Labels.FromJson(r.GetString(7)),
        r.IsDBNull(8) ? null : r.GetInt64(8),
        r.IsDBNull(9) ? null : r.GetInt64(9));

    private static string KindColumn(SnapshotKind kind) => kind switch
    {
        SnapshotKind.Active => "active",
        SnapshotKind.View => "view",
        SnapshotKind.Committed => "committed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown snapshot kind"),
    };

    private static SnapshotKind ParseKind(string column) => column switch
    {
        "active" => SnapshotKind.Active,
        "view" => SnapshotKind.View,
        "committed" => SnapshotKind.Committed,
        _ => throw new FormatException($"snapshot kind \"{column}\": unknown"),
    };
}
