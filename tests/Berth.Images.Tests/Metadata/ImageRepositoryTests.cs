using Berth.Images.Content;
using Berth.Images.Metadata;
using Berth.Images.Tests.Snapshots;

namespace Berth.Images.Tests.Metadata;

public sealed class ImageRepositoryTests : IDisposable
{
    private const string Busybox = "docker.io/library/busybox:latest";
    private const string IndexType = "application/vnd.oci.image.index.v1+json";
    private static readonly Digest Old = Digest.Compute("old"u8);
    private static readonly Digest New = Digest.Compute("new"u8);
    private readonly TempRoot _root = new();
    private readonly MetadataStore _store;

    public ImageRepositoryTests() => _store = MetadataStore.Open(_root.Path);

    public void Dispose()
    {
        _store.Dispose();
        _root.Dispose();
    }

    [Fact]
    public void Put_then_Get_round_trips_target_and_labels()
    {
        _store.Update(tx => tx.Images.Put(Busybox, Old, IndexType, 9342, new Dictionary<string, string> { ["by"] = "test" }));
        var image = _store.View(tx => tx.Images.Get(Busybox))!;
        Assert.Equal(Old, image.Target);
        Assert.Equal(IndexType, image.MediaType);
        Assert.Equal(9342, image.Size);
        Assert.Equal("test", image.Labels["by"]);
    }

    [Fact]
    public void Put_of_an_existing_name_retargets_it_and_keeps_its_creation_time()
    {
        var first = _store.Update(tx => tx.Images.Put(Busybox, Old, IndexType, 1));
        Thread.Sleep(5);
        var second = _store.Update(tx => tx.Images.Put(Busybox, New, IndexType, 2));
        Assert.Equal(New, second.Target);
        Assert.Equal(first.Created, second.Created);
        Assert.True(second.Updated > first.Updated);
        Assert.Single(_store.View(tx => tx.Images.List()));
    }

    [Fact]
    public void List_is_ordered_by_name()
    {
        _store.Update(tx =>
        {
            tx.Images.Put("b:1", Old, IndexType, 1);
            tx.Images.Put("a:1", Old, IndexType, 1);
        });
        Assert.Equal(["a:1", "b:1"], _store.View(tx => tx.Images.List()).Select(i => i.Name));
    }

    [Fact]
    public void ListByTarget_finds_every_name_of_one_digest()
    {
        _store.Update(tx =>
        {
            tx.Images.Put("a:1", Old, IndexType, 1);
            tx.Images.Put("a:2", Old, IndexType, 1);
            tx.Images.Put("b:1", New, IndexType, 1);
        });
        Assert.Equal(["a:1", "a:2"], _store.View(tx => tx.Images.ListByTarget(Old)).Select(i => i.Name));
    }

    [Fact]
    public void Delete_reports_whether_the_name_existed()
    {
        _store.Update(tx => tx.Images.Put(Busybox, Old, IndexType, 1));
        Assert.True(_store.Update(tx => tx.Images.Delete(Busybox)));
        Assert.False(_store.Update(tx => tx.Images.Delete(Busybox)));
    }

    [Fact]
    public void Rename_moves_the_image_to_the_new_name()
    {
        _store.Update(tx => tx.Images.Put(Busybox, Old, IndexType, 1));
        var renamed = _store.Update(tx => tx.Images.Rename(Busybox, "example.com/busybox:v1"));
        Assert.Equal(Old, renamed.Target);
        Assert.Null(_store.View(tx => tx.Images.Get(Busybox)));
    }

    [Fact]
    public void Rename_refuses_to_overwrite_an_existing_name()
    {
        _store.Update(tx =>
        {
            tx.Images.Put("a:1", Old, IndexType, 1);
            tx.Images.Put("b:1", New, IndexType, 1);
        });
        var e = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Images.Rename("a:1", "b:1")));
        Assert.Equal(MetadataErrorKind.AlreadyExists, e.Kind);
        Assert.Equal("image \"b:1\": already exists", e.Message);
    }

    [Fact]
    public void Rename_of_an_unknown_image_is_not_found()
    {
        var e = Assert.Throws<MetadataException>(() => _store.Update(tx => tx.Images.Rename("a:1", "b:1")));
        Assert.Equal(MetadataErrorKind.NotFound, e.Kind);
    }
}
