using Berth.Images.Content;

namespace Berth.Images.Tests.Content;

public sealed class ContentWriterTests : IDisposable
{
    private static readonly byte[] Hello = "hello, berth"u8.ToArray();
    private readonly StoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Commit_of_matching_bytes_makes_the_blob_readable()
    {
        var digest = Digest.Compute(Hello);
        using (var w = _f.Store.OpenWriter("ref-1", Hello.Length, digest))
        {
            w.Write(Hello);
            Assert.Equal(CommitResult.Written, w.Commit(Hello.Length, digest));
        }
        Assert.Equal(Hello, File.ReadAllBytes(Path.Combine(_f.Root, "content", "blobs", "sha256", digest.Encoded)));
        Assert.Empty(_f.Store.ListIngests());
    }

    [Fact]
    public void Write_of_wrong_bytes_leaves_no_blob_visible_and_names_both_digests()
    {
        var expected = Digest.Compute(Hello);
        var wrong = "hello, world"u8.ToArray();
        using var w = _f.Store.OpenWriter("ref-1", wrong.Length, expected);
        w.Write(wrong);
        var e = Assert.Throws<ContentVerificationException>(() => w.Commit(wrong.Length, expected));
        Assert.Contains($"blob {expected}: content has digest {Digest.Compute(wrong)}", e.Message);
        Assert.False(_f.Store.Exists(expected));
        Assert.Empty(_f.Store.Walk());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.IngestRoot));
    }

    [Fact]
    public void Commit_of_wrong_size_is_refused_with_both_sizes()
    {
        var digest = Digest.Compute(Hello);
        using var w = _f.Store.OpenWriter("ref-1");
        w.Write(Hello);
        var e = Assert.Throws<ContentVerificationException>(() => w.Commit(Hello.Length + 2, digest));
        Assert.Equal($"blob {digest}: size {Hello.Length} does not match the expected {Hello.Length + 2}", e.Message);
        Assert.False(_f.Store.Exists(digest));
        Assert.Empty(_f.Store.ListIngests());
    }

    [Fact]
    public void Writing_past_the_expected_size_fails_before_the_bytes_land()
    {
        using var w = _f.Store.OpenWriter("ref-1", 4);
        var e = Assert.Throws<ContentException>(() => w.Write(Hello));
        Assert.Contains("exceeds the expected size 4", e.Message);
        Assert.Equal(0, w.Offset);
    }

    [Fact]
    public void Second_commit_of_the_same_digest_reports_already_exists()
    {
        var digest = Digest.Compute(Hello);
        _f.Put(Hello);
        using var w = _f.Store.OpenWriter("another-ref");
        w.Write(Hello);
        Assert.Equal(CommitResult.AlreadyExists, w.Commit(Hello.Length, digest));
        Assert.Single(_f.Store.Walk());
        Assert.Empty(_f.Store.ListIngests());
    }

    [Fact]
    public void Opening_a_writer_for_a_stored_digest_throws_already_exists()
    {
        var digest = _f.Put(Hello);
        Assert.Throws<ContentAlreadyExistsException>(() => _f.Store.OpenWriter("ref-1", Hello.Length, digest));
    }

    [Fact]
    public void Reopening_an_interrupted_ingest_resumes_at_its_offset()
    {
        var digest = Digest.Compute(Hello);
        using (var first = _f.Store.OpenWriter("ref-1", Hello.Length, digest))
            first.Write(Hello.AsSpan(0, 5));

        var status = Assert.Single(_f.Store.ListIngests());
        Assert.Equal(("ref-1", 5L, (long)Hello.Length), (status.Reference, status.Offset, status.Total));

        using var resumed = _f.Store.OpenWriter("ref-1", Hello.Length, digest);
        Assert.Equal(5, resumed.Offset);
        resumed.Write(Hello.AsSpan(5));
        Assert.Equal(CommitResult.Written, resumed.Commit(Hello.Length, digest));
        Assert.Equal(Hello, _f.Store.ReadAllBytes(digest, 1024));
    }

    [Fact]
    public void Ingest_of_a_seekable_source_resumes_an_interrupted_write()
    {
        var digest = Digest.Compute(Hello);
        using (var first = _f.Store.OpenWriter("ref-1", Hello.Length, digest))
            first.Write(Hello.AsSpan(0, 5));
        Assert.Equal(CommitResult.Written, _f.Store.Ingest("ref-1", new MemoryStream(Hello), Hello.Length, digest));
        Assert.Equal(Hello, _f.Store.ReadAllBytes(digest, 1024));
    }

    [Fact]
    public void Reopening_with_a_different_expected_digest_starts_over()
    {
        using (var first = _f.Store.OpenWriter("ref-1", -1, Digest.Compute("other"u8)))
            first.Write("xxx"u8);
        using var w = _f.Store.OpenWriter("ref-1", Hello.Length, Digest.Compute(Hello));
        Assert.Equal(0, w.Offset);
    }

    [Fact]
    public void Abort_discards_an_interrupted_ingest()
    {
        using (var w = _f.Store.OpenWriter("ref-1"))
            w.Write(Hello);
        Assert.True(_f.Store.Abort("ref-1"));
        Assert.Empty(_f.Store.ListIngests());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.IngestRoot));
        Assert.False(_f.Store.Abort("ref-1"));
    }

    [Fact]
    public void Second_writer_of_a_locked_ref_is_told_it_is_locked()
    {
        using var first = _f.Store.OpenWriter("ref-1");
        var e = Assert.Throws<ContentLockedException>(() => _f.Store.OpenWriter("ref-1"));
        Assert.Equal("ref ref-1 locked", e.Message);
    }

    [Fact]
    public void A_ref_is_writable_again_once_its_writer_is_disposed()
    {
        using (var first = _f.Store.OpenWriter("ref-1"))
            first.Write("a"u8);
        using var second = _f.Store.OpenWriter("ref-1");
        Assert.Equal(1, second.Offset);
    }

    [Fact]
    public void Abort_of_a_ref_being_written_is_refused_as_locked()
    {
        using var w = _f.Store.OpenWriter("ref-1");
        Assert.Throws<ContentLockedException>(() => _f.Store.Abort("ref-1"));
    }

    [Fact]
    public async Task Concurrent_commits_of_one_digest_under_different_refs_all_succeed_with_one_blob()
    {
        var data = new byte[256 * 1024];
        Random.Shared.NextBytes(data);
        var digest = Digest.Compute(data);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            using var w = _f.Store.OpenWriter($"ref-{i}");
            for (var off = 0; off < data.Length; off += 4096)
                w.Write(data.AsSpan(off, 4096));
            return w.Commit(data.Length, digest);
        })));
        Assert.Contains(CommitResult.Written, results);
        Assert.Equal(digest, Assert.Single(_f.Store.Walk()).Digest);
        Assert.True(_f.Store.Verify(digest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.IngestRoot));
    }

    [Fact]
    public void Sha512_blobs_are_verified_and_stored_under_their_algorithm()
    {
        var digest = _f.Put(Hello, Digest.Sha512);
        Assert.True(File.Exists(Path.Combine(_f.Root, "content", "blobs", "sha512", digest.Encoded)));
        Assert.Equal(Hello.Length, _f.Store.Info(digest).Size);
    }

    [Fact]
    public void Commit_checks_a_digest_of_another_algorithm_than_the_writer_hashed_with()
    {
        var sha512 = Digest.Compute(Hello, Digest.Sha512);
        using var w = _f.Store.OpenWriter("ref-1");
        w.Write(Hello);
        Assert.Equal(CommitResult.Written, w.Commit(Hello.Length, sha512));
        Assert.True(_f.Store.Exists(sha512));
    }

    [Fact]
    public void Clean_stale_ingests_removes_old_ones_and_spares_those_being_written()
    {
        using (var old = _f.Store.OpenWriter("old"))
            old.Write("a"u8);
        using var busy = _f.Store.OpenWriter("busy");
        busy.Write("b"u8);

        Assert.Equal(1, _f.Store.CleanStaleIngests(TimeSpan.FromSeconds(-1)));
        Assert.Equal("busy", Assert.Single(_f.Store.ListIngests()).Reference);
    }

    [Fact]
    public void Clean_stale_ingests_keeps_recent_ones()
    {
        using (var w = _f.Store.OpenWriter("recent"))
            w.Write("a"u8);
        Assert.Equal(0, _f.Store.CleanStaleIngests(TimeSpan.FromHours(1)));
        Assert.Single(_f.Store.ListIngests());
    }

    [Fact]
    public void Clean_stale_ingests_removes_trash_left_by_a_crash_mid_delete()
    {
        var trash = Directory.CreateDirectory(Path.Combine(_f.IngestRoot, ".trash-abc-0123"));
        File.WriteAllText(Path.Combine(trash.FullName, "data"), "x");
        Assert.Equal(1, _f.Store.CleanStaleIngests(TimeSpan.FromHours(1)));
        Assert.False(Directory.Exists(trash.FullName));
    }
}
