using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>Leases and the resources they hold, inside one <see cref="MetadataTransaction"/>.</summary>
public sealed class LeaseRepository
{
    private readonly MetadataTransaction _tx;

    internal LeaseRepository(MetadataTransaction tx) => _tx = tx;

    /// <summary>Creates a lease; <paramref name="expires"/> null means it lasts until deleted.</summary>
    public LeaseRecord Create(string id, DateTimeOffset? expires = null, IReadOnlyDictionary<string, string>? labels = null)
    {
        if (string.IsNullOrWhiteSpace(id))
            throw new ArgumentException("lease id must not be empty", nameof(id));
        _tx.EnsureWritable();
        if (Get(id) is not null)
            throw new MetadataException(MetadataErrorKind.AlreadyExists, $"lease \"{id}\": already exists");
        _tx.Execute("INSERT INTO leases (id, created, expires, labels) VALUES ($id, $created, $expires, $labels)",
            ("$id", id), ("$created", Time.ToColumn(Time.Now())),
            ("$expires", expires is { } e ? Time.ToColumn(e) : null), ("$labels", Labels.ToJson(labels)));
        return Get(id)!;
    }

    public LeaseRecord? Get(string id)
    {
        using var command = _tx.Command("SELECT id, created, expires, labels FROM leases WHERE id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public IReadOnlyList<LeaseRecord> List()
    {
        using var command = _tx.Command("SELECT id, created, expires, labels FROM leases ORDER BY created, id");
        using var reader = command.ExecuteReader();
        var leases = new List<LeaseRecord>();
        while (reader.Read())
            leases.Add(Read(reader));
        return leases;
    }

    /// <summary>Deletes the lease and releases what it held; false if there was none.</summary>
    public bool Delete(string id) => _tx.Execute("DELETE FROM leases WHERE id = $id", ("$id", id)) == 1;

    /// <summary>Adds a resource to a lease; adding one it already holds is a no-op.</summary>
    public void AddResource(string id, LeaseResource resource)
    {
        _tx.EnsureWritable();
        if (Get(id) is null)
            throw new MetadataException(MetadataErrorKind.NotFound, $"lease \"{id}\": not found");
        _tx.Execute("INSERT OR IGNORE INTO lease_resources (lease_id, kind, key) VALUES ($id, $kind, $key)",
            ("$id", id), ("$kind", resource.KindColumn), ("$key", resource.Key));
    }

    /// <summary>Releases one resource from a lease; false if the lease did not hold it.</summary>
    public bool RemoveResource(string id, LeaseResource resource) =>
        _tx.Execute("DELETE FROM lease_resources WHERE lease_id = $id AND kind = $kind AND key = $key",
            ("$id", id), ("$kind", resource.KindColumn), ("$key", resource.Key)) == 1;

    public IReadOnlyList<LeaseResource> ListResources(string id)
    {
        using var command = _tx.Command("SELECT kind, key FROM lease_resources WHERE lease_id = $id ORDER BY kind, key", ("$id", id));
        using var reader = command.ExecuteReader();
        var resources = new List<LeaseResource>();
        while (reader.Read())
            resources.Add(new LeaseResource(LeaseResource.ParseKind(reader.GetString(0)), reader.GetString(1)));
        return resources;
    }

    /// <summary>Whether any lease holds the resource: GC must keep it.</summary>
    public bool IsLeased(LeaseResource resource)
    {
        using var command = _tx.Command("SELECT EXISTS (SELECT 1 FROM lease_resources WHERE kind = $kind AND key = $key)",
            ("$kind", resource.KindColumn), ("$key", resource.Key));
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Deletes every lease that expired at or before <paramref name="now"/>; returns their ids.</summary>
    public IReadOnlyList<string> DeleteExpired(DateTimeOffset now)
    {
        _tx.EnsureWritable();
        using var command = _tx.Command("DELETE FROM leases WHERE expires IS NOT NULL AND expires <= $now RETURNING id",
            ("$now", Time.ToColumn(now)));
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
            ids.Add(reader.GetString(0));
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    private static LeaseRecord Read(SqliteDataReader r) => new(
        r.GetString(0),
        Time.FromColumn(r.GetInt64(1)),
        r.IsDBNull(2) ? null : Time.FromColumn(r.GetInt64(2)),
        Labels.FromJson(r.GetString(3)));
}
