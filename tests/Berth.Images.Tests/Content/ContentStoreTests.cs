using Berth.Images.Content;

namespace Berth.Images.Tests.Content;

public sealed class ContentStoreTests : IDisposable
{
    private readonly StoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Open_read_supports_ranged_reads_by_seeking()
    {
        var digest = _f.Put("0123456789"u8.ToArray());
        using var s = _f.Store.OpenRead(digest);
        s.Seek(3, SeekOrigin.Begin);
        var buf = new byte[4];
        s.ReadExactly(buf);
        Assert.Equal("3456"u8.ToArray(), buf);
        Assert.False(s.CanWrite);
    }

    [Fact]
    public void Read_all_bytes_refuses_a_blob_over_the_cap()
    {
        var digest = _f.Put(new byte[(4 << 20) + 1]);
        var e = Assert.Throws<ContentException>(() => _f.Store.ReadAllBytes(digest, 4 << 20));
        Assert.Equal($"blob {digest}: size {(4 << 20) + 1} exceeds 4 MiB limit", e.Message);
    }

    [Fact]
    public void Missing_blobs_are_reported_as_not_found()
    {
        var digest = Digest.Compute("absent"u8);
        Assert.False(_f.Store.Exists(digest));
        var e = Assert.Throws<ContentNotFoundException>(() => _f.Store.OpenRead(digest));
        Assert.Equal($"blob {digest}: not found", e.Message);
        Assert.Throws<ContentNotFoundException>(() => _f.Store.Info(digest));
    }

    [Fact]
    public void Info_reports_the_size()
    {
        var digest = _f.Put(new byte[123]);
        Assert.Equal(123, _f.Store.Info(digest).Size);
    }

    [Fact]
    public void Committed_blobs_are_read_only_files()
    {
        var digest = _f.Put(new byte[1]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(_f.Store.BlobPath(digest)));
    }

    [Fact]
    public void Walk_lists_blobs_and_skips_files_that_are_not_digests()
    {
        var a = _f.Put("a"u8.ToArray());
        var b = _f.Put("b"u8.ToArray(), Digest.Sha512);
        var sha256Dir = Path.Combine(_f.Root, "content", "blobs", "sha256");
        File.WriteAllText(Path.Combine(sha256Dir, "junk"), "x");
        File.WriteAllText(Path.Combine(sha256Dir, a.Encoded.ToUpperInvariant()), "x");
        Directory.CreateDirectory(Path.Combine(_f.Root, "content", "blobs", "md5"));
        File.WriteAllText(Path.Combine(_f.Root, "content", "blobs", "md5", "d41d8cd98f00b204e9800998ecf8427e"), "");

        Assert.Equal(new[] { a, b }.OrderBy(d => d.ToString()), _f.Store.Walk().Select(i => i.Digest).OrderBy(d => d.ToString()));
    }

    [Fact]
    public void Delete_removes_the_blob()
    {
        var digest = _f.Put("x"u8.ToArray());
        Assert.True(_f.Store.Delete(digest));
        Assert.False(_f.Store.Exists(digest));
        Assert.False(_f.Store.Delete(digest));
    }

    [Fact]
    public void Verify_detects_a_blob_whose_bytes_changed_on_disk()
    {
        var digest = _f.Put("original"u8.ToArray());
        Assert.True(_f.Store.Verify(digest));
        var path = _f.Store.BlobPath(digest);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(path, "tampered");
        Assert.False(_f.Store.Verify(digest));
    }

    [Fact]
    public void Ingest_of_a_stored_digest_reports_already_exists_without_reading_the_source()
    {
        var digest = _f.Put("x"u8.ToArray());
        var source = new MemoryStream("x"u8.ToArray());
        Assert.Equal(CommitResult.AlreadyExists, _f.Store.Ingest(source, new Berth.Images.Oci.Descriptor { MediaType = "m", Digest = digest, Size = 1 }));
        Assert.Equal(0, source.Position);
    }
}
