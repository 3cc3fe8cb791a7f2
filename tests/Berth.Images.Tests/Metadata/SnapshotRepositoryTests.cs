using Berth.Images.Metadata;
using Berth.Images.Snapshots;
using Berth.Images.Tests.Snapshots;

namespace Berth.Images.Tests.Metadata;

public sealed class SnapshotRepositoryTests : IDisposable
{
    private const string S = "test";
    private readonly TempRoot _root = new();
    private readonly MetadataStore _store;

    public SnapshotRepositoryTests() => _store = MetadataStore.Open(_root.Path);

    public void Dispose()
    {
        _store.Dispose();
        _root.Dispose();
    }

    private void Layer(string name, string? parent) => _store.Update(tx =>
    {
        tx.Snapshots.Create(S, name + "-extract", parent, SnapshotKind.Active);
        tx.Snapshots.Commit(S, name, name + "-extract", 0, 0);
    });

    [Fact]
    public void Create_on_a_missing_parent_names_both()
    {
        var e = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Snapshots.Create(S, "abc", "def", SnapshotKind.Active)));
        Assert.Equal(MetadataErrorKind.NotFound, e.Kind);
        Assert.Equal("snapshot \"abc\": parent \"def\" does not exist", e.Message);
    }

    [Fact]
    public void Create_on_an_active_parent_is_refused()
    {
        _store.Update(tx => tx.Snapshots.Create(S, "busy", null, SnapshotKind.Active));
        var e = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Snapshots.Create(S, "child", "busy", SnapshotKind.View)));
        Assert.Equal(MetadataErrorKind.FailedPrecondition, e.Kind);
    }

    [Fact]
    public void Commit_keeps_the_id_and_renames_the_key()
    {
        var active = _store.Update(tx => tx.Snapshots.Create(S, "extract", null, SnapshotKind.Active));
        var committed = _store.Update(tx => tx.Snapshots.Commit(S, "sha256:layer", "extract", 4096, 3));
        Assert.Equal(active.Id, committed.Id);
        Assert.Equal(SnapshotKind.Committed, committed.Kind);
        Assert.Equal(4096, committed.Size);
        Assert.Null(_store.View(tx => tx.Snapshots.Get(S, "extract")));
    }

    [Fact]
    public void Commit_onto_makes_a_parentless_snapshot_the_child_of_a_committed_one()
    {
        Layer("l1", null);
        _store.Update(tx => tx.Snapshots.Create(S, "l2-extract", null, SnapshotKind.Active));

        var committed = _store.Update(tx => tx.Snapshots.Commit(S, "l2", "l2-extract", 0, 0, onto: "l1"));

        Assert.Equal("l1", committed.Parent);
        Assert.Equal(["l1"], _store.View(tx => tx.Snapshots.Ancestors(S, "l2")).Select(s => s.Key));
    }

    [Fact]
    public void Commit_onto_refuses_a_snapshot_that_has_a_parent_and_a_parent_that_is_not_committed()
    {
        Layer("l1", null);
        _store.Update(tx => tx.Snapshots.Create(S, "child", "l1", SnapshotKind.Active));
        _store.Update(tx => tx.Snapshots.Create(S, "busy", null, SnapshotKind.Active));
        _store.Update(tx => tx.Snapshots.Create(S, "orphan", null, SnapshotKind.Active));

        var hasParent = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Snapshots.Commit(S, "c", "child", 0, 0, onto: "l1")));
        var activeParent = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Snapshots.Commit(S, "o", "orphan", 0, 0, onto: "busy")));
        var missingParent = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Snapshots.Commit(S, "o", "orphan", 0, 0, onto: "nope")));

        Assert.Equal("snapshot \"child\": has parent \"l1\", only a snapshot without one can be committed onto \"l1\"", hasParent.Message);
        Assert.Equal(MetadataErrorKind.FailedPrecondition, activeParent.Kind);
        Assert.Equal(MetadataErrorKind.NotFound, missingParent.Kind);
        Assert.Equal(SnapshotKind.Active, _store.View(tx => tx.Snapshots.GetRequired(S, "orphan")).Kind);
    }

    [Fact]
    public void Ancestors_lists_the_chain_nearest_first()
    {
        Layer("l1", null);
        Layer("l2", "l1");
        Layer("l3", "l2");
        _store.Update(tx => tx.Snapshots.Create(S, "ctr", "l3", SnapshotKind.Active));
        Assert.Equal(["l3", "l2", "l1"], _store.View(tx => tx.Snapshots.Ancestors(S, "ctr")).Select(s => s.Key));
    }

    [Fact]
    public void Remove_of_a_snapshot_with_children_is_refused()
    {
        Layer("l1", null);
        _store.Update(tx => tx.Snapshots.Create(S, "ctr", "l1", SnapshotKind.Active));
        var e = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Snapshots.Remove(S, "l1")));
        Assert.Equal(MetadataErrorKind.FailedPrecondition, e.Kind);
        Assert.NotNull(_store.View(tx => tx.Snapshots.Get(S, "l1")));
    }

    [Fact]
    public void Keys_are_separate_per_snapshotter()
    {
        _store.Update(tx =>
        {
            tx.Snapshots.Create("overlay", "k", null, SnapshotKind.Active);
            tx.Snapshots.Create("native", "k", null, SnapshotKind.Active);
        });
        Assert.Single(_store.View(tx => tx.Snapshots.List("overlay")));
    }

    [Fact]
    public void Ids_are_not_reused_after_a_remove()
    {
        var first = _store.Update(tx => tx.Snapshots.Create(S, "a", null, SnapshotKind.Active));
        _store.Update(tx => tx.Snapshots.Remove(S, "a"));
        var second = _store.Update(tx => tx.Snapshots.Create(S, "a", null, SnapshotKind.Active));
        Assert.True(second.Id > first.Id);
    }
}
