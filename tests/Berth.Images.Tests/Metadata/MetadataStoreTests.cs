using Berth.Images.Content;
using Berth.Images.Metadata;
using Berth.Images.Tests.Snapshots;
using Microsoft.Data.Sqlite;

namespace Berth.Images.Tests.Metadata;

public sealed class MetadataStoreTests : IDisposable
{
    private static readonly Digest Manifest = Digest.Compute("manifest"u8);
    private readonly TempRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Open_of_an_empty_file_applies_every_migration()
    {
        File.WriteAllBytes(Path.Combine(_root.Path, MetadataStore.FileName), []);
        using var store = MetadataStore.Open(_root.Path);
        Assert.Equal(MetadataStore.LatestSchemaVersion, store.SchemaVersion);
        Assert.Empty(store.View(tx => tx.Images.List()));
    }

    [Fact]
    public void Open_twice_keeps_the_data_and_the_version()
    {
        using (var first = MetadataStore.Open(_root.Path))
            first.Update(tx => tx.Images.Put("docker.io/library/busybox:latest", Manifest, "application/vnd.oci.image.index.v1+json", 10));
        using var second = MetadataStore.Open(_root.Path);
        Assert.Equal(MetadataStore.LatestSchemaVersion, second.SchemaVersion);
        Assert.NotNull(second.View(tx => tx.Images.Get("docker.io/library/busybox:latest")));
    }

    [Fact]
    public void Open_refuses_a_database_of_a_newer_schema()
    {
        using (var raw = new SqliteConnection($"Data Source={Path.Combine(_root.Path, MetadataStore.FileName)};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {MetadataStore.LatestSchemaVersion + 1}";
            command.ExecuteNonQuery();
        }
        var e = Assert.Throws<MetadataException>(() => MetadataStore.Open(_root.Path));
        Assert.Equal(MetadataErrorKind.Unsupported, e.Kind);
        Assert.Contains($"schema version {MetadataStore.LatestSchemaVersion + 1} is newer", e.Message);
    }

    [Fact]
    public void Open_puts_the_database_in_wal_mode()
    {
        using (MetadataStore.Open(_root.Path))
        {
        }
        using var raw = new SqliteConnection($"Data Source={Path.Combine(_root.Path, MetadataStore.FileName)};Pooling=False");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public void Two_stores_on_one_file_see_each_others_writes()
    {
        using var cli = MetadataStore.Open(_root.Path);
        using var daemon = MetadataStore.Open(_root.Path);
        cli.Update(tx => tx.Images.Put("a:1", Manifest, "m", 1));
        Assert.NotNull(daemon.View(tx => tx.Images.Get("a:1")));
        daemon.Update(tx => tx.Images.Delete("a:1"));
        Assert.Null(cli.View(tx => tx.Images.Get("a:1")));
    }

    [Fact]
    public void Concurrent_writers_on_two_stores_all_succeed()
    {
        using var a = MetadataStore.Open(_root.Path);
        using var b = MetadataStore.Open(_root.Path);
        var stores = new[] { a, b, a, b };
        Parallel.For(0, stores.Length, new ParallelOptions { MaxDegreeOfParallelism = stores.Length }, w =>
        {
            for (var i = 0; i < 50; i++)
                stores[w].Update(tx => tx.Images.Put($"img{w}:{i}", Manifest, "m", i));
        });
        Assert.Equal(200, a.View(tx => tx.Images.List()).Count);
    }

    [Fact]
    public void A_writer_waits_for_another_stores_transaction_instead_of_failing()
    {
        using var holder = MetadataStore.Open(_root.Path);
        using var waiter = MetadataStore.Open(_root.Path, TimeSpan.FromSeconds(10));
        using var inside = new ManualResetEventSlim();
        var holding = new Thread(() => holder.Update(tx =>
        {
            tx.Images.Put("first:1", Manifest, "m", 1);
            inside.Set();
            Thread.Sleep(500);
        }));
        holding.Start();
        inside.Wait();
        waiter.Update(tx => tx.Images.Put("second:1", Manifest, "m", 1));
        holding.Join();
        Assert.Equal(2, waiter.View(tx => tx.Images.List()).Count);
    }

    [Fact]
    public void A_writer_with_a_short_busy_timeout_gives_up_while_another_holds_the_lock()
    {
        using var holder = MetadataStore.Open(_root.Path);
        using var waiter = MetadataStore.Open(_root.Path, TimeSpan.FromMilliseconds(100));
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holding = new Thread(() => holder.Update(tx =>
        {
            tx.Images.Put("first:1", Manifest, "m", 1);
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        }));
        holding.Start();
        try
        {
            inside.Wait();
            var e = Assert.Throws<SqliteException>(() => waiter.Update(tx => tx.Images.Put("second:1", Manifest, "m", 1)));
            Assert.Equal(5, e.SqliteErrorCode); // SQLITE_BUSY
        }
        finally
        {
            release.Set();
            holding.Join();
        }
    }

    [Fact]
    public void A_failed_update_changes_nothing()
    {
        using var store = MetadataStore.Open(_root.Path);
        Assert.Throws<InvalidOperationException>(() => store.Update(tx =>
        {
            tx.Images.Put("a:1", Manifest, "m", 1);
            throw new InvalidOperationException("boom");
        }));
        Assert.Null(store.View(tx => tx.Images.Get("a:1")));
    }

    [Fact]
    public void A_view_refuses_changes()
    {
        using var store = MetadataStore.Open(_root.Path);
        Assert.Throws<InvalidOperationException>(() => store.View(tx => tx.Images.Put("a:1", Manifest, "m", 1)));
    }

    [Fact]
    public void Stores_opened_at_once_on_a_new_root_migrate_it_once()
    {
        var stores = new MetadataStore[4];
        try
        {
            Parallel.For(0, stores.Length, new ParallelOptions { MaxDegreeOfParallelism = stores.Length },
                i => stores[i] = MetadataStore.Open(_root.Path));
            Assert.All(stores, s => Assert.Equal(MetadataStore.LatestSchemaVersion, s.SchemaVersion));
        }
        finally
        {
            foreach (var store in stores)
                store?.Dispose();
        }
    }

    [Fact]
    public void The_database_file_is_readable_by_its_owner_only()
    {
        using var store = MetadataStore.Open(_root.Path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));
    }
}
