using Berth.Images.Metadata;
using Berth.Images.Tests.Snapshots;

namespace Berth.Images.Tests.Metadata;

public sealed class LeaseRepositoryTests : IDisposable
{
    private static readonly LeaseResource Blob = new(LeaseResourceKind.Content, "sha256:" + new string('a', 64));
    private static readonly LeaseResource Layer = new(LeaseResourceKind.Snapshot, "overlay/sha256:" + new string('b', 64));
    private readonly TempRoot _root = new();
    private readonly MetadataStore _store;

    public LeaseRepositoryTests() => _store = MetadataStore.Open(_root.Path);

    public void Dispose()
    {
        _store.Dispose();
        _root.Dispose();
    }

    [Fact]
    public void Create_then_List_shows_the_lease_with_its_expiry_and_labels()
    {
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
        _store.Update(tx => tx.Leases.Create("pull-1", expires, new Dictionary<string, string> { ["ref"] = "busybox" }));
        var lease = Assert.Single(_store.View(tx => tx.Leases.List()));
        Assert.Equal("pull-1", lease.Id);
        Assert.Equal(expires, lease.Expires);
        Assert.Equal("busybox", lease.Labels["ref"]);
    }

    [Fact]
    public void Create_of_an_existing_id_is_refused()
    {
        _store.Update(tx => tx.Leases.Create("pull-1"));
        var e = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Leases.Create("pull-1")));
        Assert.Equal(MetadataErrorKind.AlreadyExists, e.Kind);
    }

    [Fact]
    public void AddResource_makes_the_resource_leased_and_is_idempotent()
    {
        _store.Update(tx =>
        {
            tx.Leases.Create("pull-1");
            tx.Leases.AddResource("pull-1", Blob);
            tx.Leases.AddResource("pull-1", Blob);
            tx.Leases.AddResource("pull-1", Layer);
        });
        Assert.Equal([Blob, Layer], _store.View(tx => tx.Leases.ListResources("pull-1")));
        Assert.True(_store.View(tx => tx.Leases.IsLeased(Blob)));
    }

    [Fact]
    public void AddResource_to_an_unknown_lease_is_not_found()
    {
        var e = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Leases.AddResource("nope", Blob)));
        Assert.Equal(MetadataErrorKind.NotFound, e.Kind);
        Assert.Equal("lease \"nope\": not found", e.Message);
    }

    [Fact]
    public void Delete_releases_every_resource_of_the_lease()
    {
        _store.Update(tx =>
        {
            tx.Leases.Create("pull-1");
            tx.Leases.AddResource("pull-1", Blob);
        });
        Assert.True(_store.Update(tx => tx.Leases.Delete("pull-1")));
        Assert.False(_store.View(tx => tx.Leases.IsLeased(Blob)));
    }

    [Fact]
    public void RemoveResource_releases_only_that_resource()
    {
        _store.Update(tx =>
        {
            tx.Leases.Create("pull-1");
            tx.Leases.AddResource("pull-1", Blob);
            tx.Leases.AddResource("pull-1", Layer);
        });
        Assert.True(_store.Update(tx => tx.Leases.RemoveResource("pull-1", Blob)));
        Assert.Equal([Layer], _store.View(tx => tx.Leases.ListResources("pull-1")));
    }

    [Fact]
    public void DeleteExpired_removes_expired_leases_and_keeps_the_rest()
    {
        var now = DateTimeOffset.UtcNow;
        _store.Update(tx =>
        {
            tx.Leases.Create("expired", now.AddMinutes(-1));
            tx.Leases.Create("future", now.AddMinutes(1));
            tx.Leases.Create("forever");
            tx.Leases.AddResource("expired", Blob);
        });
        Assert.Equal(["expired"], _store.Update(tx => tx.Leases.DeleteExpired(now)));
        Assert.Equal(["forever", "future"], _store.View(tx => tx.Leases.List()).Select(l => l.Id).Order(StringComparer.Ordinal));
        Assert.False(_store.View(tx => tx.Leases.IsLeased(Blob)));
    }
}
