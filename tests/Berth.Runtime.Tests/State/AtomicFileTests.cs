using Berth.Linux;
using Berth.Runtime.State;

namespace Berth.Runtime.Tests.State;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Write_creates_the_file_with_the_data()
    {
        AtomicFile.Write(_tmp["f"], "hello"u8);

        Assert.Equal("hello", File.ReadAllText(_tmp["f"]));
    }

    [Fact]
    public void Write_replaces_an_existing_file_whole()
    {
        File.WriteAllText(_tmp["f"], "a much longer old content");

        AtomicFile.Write(_tmp["f"], "new"u8);

        Assert.Equal("new", File.ReadAllText(_tmp["f"]));
    }

    [Fact]
    public void Write_gives_a_new_file_mode_0600_by_default()
    {
        AtomicFile.Write(_tmp["f"], "x"u8);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_tmp["f"]));
    }

    [Fact]
    public void Write_gives_the_file_the_requested_mode()
    {
        AtomicFile.Write(_tmp["f"], "x"u8, 0b110_100_100);

        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(_tmp["f"]));
    }

    [Fact]
    public void Write_leaves_no_temporary_file_behind()
    {
        AtomicFile.Write(_tmp["f"], "x"u8);
        AtomicFile.Write(_tmp["f"], "y"u8);

        Assert.Equal([_tmp["f"]], Directory.GetFileSystemEntries(_tmp.Path));
    }

    [Fact]
    public void Write_replaces_a_symlink_at_the_path_instead_of_writing_through_it()
    {
        File.WriteAllText(_tmp["target"], "untouched");
        File.CreateSymbolicLink(_tmp["f"], _tmp["target"]);

        AtomicFile.Write(_tmp["f"], "new"u8);

        Assert.Equal("untouched", File.ReadAllText(_tmp["target"]));
        Assert.Null(new FileInfo(_tmp["f"]).LinkTarget);
        Assert.Equal("new", File.ReadAllText(_tmp["f"]));
    }

    [Fact]
    public void Write_into_a_missing_folder_fails_naming_the_path()
    {
        var e = Assert.Throws<LinuxException>(() => AtomicFile.Write(_tmp["missing/f"], "x"u8));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(_tmp["missing"], e.Message);
    }

    [Fact]
    public void Write_does_not_follow_a_symlink_planted_at_a_temporary_name()
    {
        // The name a pid-derived scheme would pick: whoever can write the folder could plant it.
        File.WriteAllText(_tmp["victim"], "untouched");
        File.CreateSymbolicLink(_tmp[$".f.{Environment.ProcessId}.tmp"], _tmp["victim"]);

        AtomicFile.Write(_tmp["f"], "new"u8);

        Assert.Equal("untouched", File.ReadAllText(_tmp["victim"]));
        Assert.Equal("new", File.ReadAllText(_tmp["f"]));
    }

    [Fact]
    public void Concurrent_writers_each_leave_a_whole_file()
    {
        var payloads = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)('a' + i), 256 << 10).ToArray()).ToArray();

        Concurrently(payloads.Length, i =>
        {
            for (var n = 0; n < 10; n++)
                AtomicFile.Write(_tmp["f"], payloads[i]);
        });

        var final = File.ReadAllBytes(_tmp["f"]);
        Assert.Contains(payloads, p => p.AsSpan().SequenceEqual(final));
        Assert.Equal([_tmp["f"]], Directory.GetFileSystemEntries(_tmp.Path));
    }

    /// <summary>Runs <paramref name="body"/> on that many threads released at once; rethrows the first failure.</summary>
    internal static void Concurrently(int threads, Action<int> body)
    {
        using var start = new Barrier(threads);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var all = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                body(i);
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToList();
        all.ForEach(t => t.Start());
        all.ForEach(t => t.Join());
        if (!errors.IsEmpty)
            throw new AggregateException(errors);
    }
}

/// <summary>Tests that change the process's working directory, so they run alone.</summary>
[CollectionDefinition(nameof(WorkingDirectoryCollection), DisableParallelization = true)]
public sealed class WorkingDirectoryCollection
{
}

[Collection(nameof(WorkingDirectoryCollection))]
public sealed class AtomicFileRelativePathTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _cwd = Environment.CurrentDirectory;

    public AtomicFileRelativePathTests() => Environment.CurrentDirectory = _tmp.Path;

    public void Dispose()
    {
        Environment.CurrentDirectory = _cwd;
        _tmp.Dispose();
    }

    [Fact]
    public void Write_of_a_bare_file_name_writes_in_the_working_directory()
    {
        AtomicFile.Write("pid", "42"u8);

        Assert.Equal("42", File.ReadAllText(_tmp["pid"]));
    }
}

/// <summary>A full filesystem, made with a tiny tmpfs (needs root; unmounted on dispose).</summary>
public sealed class AtomicFileOnAFullFilesystemTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly bool _mounted;

    public AtomicFileOnAFullFilesystemTests()
    {
        if (!Environment.IsPrivilegedProcess)
            return;
        Sys.Mount("tmpfs", _tmp.Path, "tmpfs", 0, "size=64k");
        _mounted = true;
    }

    public void Dispose()
    {
        if (_mounted)
            Sys.Umount(_tmp.Path, 2 /* MNT_DETACH */);
        _tmp.Dispose();
    }

    [Fact]
    public void Failed_write_leaves_the_old_file_and_no_temporary_file()
    {
        Assert.True(_mounted, "mounting a tmpfs needs root");
        File.WriteAllText(_tmp["f"], "old");

        var e = Assert.Throws<LinuxException>(() => AtomicFile.Write(_tmp["f"], new byte[1 << 20]));

        Assert.Equal(Errno.ENOSPC, e.Errno);
        Assert.Equal("old", File.ReadAllText(_tmp["f"]));
        Assert.Equal([_tmp["f"]], Directory.GetFileSystemEntries(_tmp.Path));
    }
}
