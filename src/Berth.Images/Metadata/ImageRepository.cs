using Berth.Images.Content;
using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>Images by name, inside one <see cref="MetadataTransaction"/>.</summary>
public sealed class ImageRepository
{
    private const string Columns = "name, target_digest, target_media_type, target_size, created, updated, labels";

    private readonly MetadataTransaction _tx;

    internal ImageRepository(MetadataTransaction tx) => _tx = tx;

    /// <summary>
    /// Creates the image or points an existing name at a new target (a pull of a newer
    /// <c>:latest</c>): the name keeps its creation time and its updated time moves.
    /// </summary>
    public ImageRecord Put(string name, Digest target, string mediaType, long size, IReadOnlyDictionary<string, string>? labels = null)
    {
        ValidateName(name);
        if (size < 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"image \"{name}\": size must not be negative");
        var now = Time.ToColumn(Time.Now());
        _tx.Execute(
            """
            INSERT INTO images (name, target_digest, target_media_type, target_size, created, updated, labels)
            VALUES ($name, $digest, $media, $size, $now, $now, $labels)
            ON CONFLICT (name) DO UPDATE SET
                target_digest = excluded.target_digest,
                target_media_type = excluded.target_media_type,
                target_size = excluded.target_size,
                updated = excluded.updated,
                labels = excluded.labels
            """,
            ("$name", name), ("$digest", target.ToString()), ("$media", mediaType), ("$size", size),
            ("$now", now), ("$labels", Labels.ToJson(labels)));
        return Get(name)!;
    }

    public ImageRecord? Get(string name)
    {
        using var command = _tx.Command($"SELECT {Columns} FROM images WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>All images, by name.</summary>
    public IReadOnlyList<ImageRecord> List() => Query($"SELECT {Columns} FROM images ORDER BY name");

    /// <summary>The names that point at <paramref name="target"/> (every tag of one image id).</summary>
    public IReadOnlyList<ImageRecord> ListByTarget(Digest target) =>
        Query($"SELECT {Columns} FROM images WHERE target_digest = $digest ORDER BY name", ("$digest", target.ToString()));

    /// <summary>Deletes the name; false if there was none.</summary>
    public bool Delete(string name) => _tx.Execute("DELETE FROM images WHERE name = $name", ("$name", name)) == 1;

    /// <summary>Moves an image to a new name; refuses to overwrite an existing one.</summary>
    public ImageRecord Rename(string name, string newName)
    {
        ValidateName(newName);
        _tx.EnsureWritable();
        if (Get(name) is null)
            throw new MetadataException(MetadataErrorKind.NotFound, $"image \"{name}\": not found");
        if (Get(newName) is not null)
            throw new MetadataException(MetadataErrorKind.AlreadyExists, $"image \"{newName}\": already exists");
        _tx.Execute("UPDATE images SET name = $new, updated = $now WHERE name = $name",
            ("$new", newName), ("$now", Time.ToColumn(Time.Now())), ("$name", name));
        return Get(newName)!;
    }

    private List<ImageRecord> Query(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _tx.Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var images = new List<ImageRecord>();
        while (reader.Read())
            images.Add(Read(reader));
        return images;
    }

    private static ImageRecord Read(SqliteDataReader r) => new(
        r.GetString(0),
        Digest.Parse(r.GetString(1)),
        r.GetString(2),
        r.GetInt64(3),
        Time.FromColumn(r.GetInt64(4)),
        Time.FromColumn(r.GetInt64(5)),
        Labels.FromJson(r.GetString(6)));

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("image name must not be empty", nameof(name));
    }
}
