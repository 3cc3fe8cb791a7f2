using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.Store;
using Xunit.Abstractions;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// kill -9 of berth load at random instants: whatever a crash leaves, the store opens, system check
/// --repair makes it consistent, and the next load succeeds. One store across all the crashes, so
/// leftovers of one meet the next load.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const string Image = "docker.io/library/crash:latest";
    private const int Kills = 20;

    // A fixed seed: a failure names its iteration and delay, and the same run reproduces it.
    private readonly Random _random = new(20261128);
    private readonly string _store = Directory.CreateTempSubdirectory("berth-crash-").FullName;
    private readonly string _work = Directory.CreateTempSubdirectory("berth-crash-work-").FullName;

    public void Dispose()
    {
        Directory.Delete(_store, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    private (int Code, string Out, string Err) Berth(params string[] args) => Cli.Run("berth", ["--root", _store, .. args]);

    [Fact]
    public void Kill_9_during_load_leaves_a_store_that_checks_clean_after_repair_and_loads_again()
    {
        var deadline = Stopwatch.StartNew();
        // A docker-archive is streamed; an oci-archive is read at random, its layers stored while they
        // unpack side by side: the kills alternate between the two.
        var archives = SeedArchives();
        var archive = archives[0];
        // The first load runs on cold caches: the median of three is what the kills spread over.
        var runs = new List<TimeSpan>();
        for (var r = 0; r < 3; r++)
        {
            var clock = Stopwatch.StartNew();
            Cli.Ok(Berth("load", "-q", "-i", archive));
            runs.Add(clock.Elapsed);
            Cli.Ok(Berth("image", "prune", "-a", "-f"));
        }
        var full = runs.Order().ElementAt(1);
        output.WriteLine($"full loads: {string.Join(", ", runs.Select(t => $"{t.TotalMilliseconds:F0} ms"))}");

        var kills = 0;
        for (var i = 0; kills < Kills; i++)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(5), $"crash {i}: the test ran out of its 5 minutes after {kills} kills");
            var delay = TimeSpan.FromMilliseconds(_random.NextDouble() * 1.2 * full.TotalMilliseconds);
            archive = archives[i / 2 % 2];
            var killed = LoadAndKill(archive, delay);
            kills += killed ? 1 : 0;
            var context = $"crash {i} ({Path.GetFileName(archive)}) after {delay.TotalMilliseconds:F0} ms ({(killed ? "killed" : "had finished")})";

            // Every other time the load comes first: it must not need the repair to succeed.
            var loadFirst = i % 2 == 1;
            if (loadFirst)
                LoadAfterCrash(archive, context);
            var repair = Berth("system", "check", "--repair");
            output.WriteLine($"{context}: {repair.Out.Trim().Replace('\n', ';')}");
            var check = Berth("system", "check");
            Assert.True(check.Code == 0, $"{context}: system check after repair: exit {check.Code}: {check.Out}{check.Err}");
            if (!loadFirst)
                LoadAfterCrash(archive, context);
            Assert.Contains("crash", Cli.Ok(Berth("images")).Out);
            Assert.Empty(MountsUnder(_store));
            Assert.Equal(0, Berth("system", "check").Code);

            // Mostly from scratch, so that the next kill lands in real work; now and then over the
            // complete image, where a load finds every blob and layer already there.
            if (i % 4 != 3)
                Cli.Ok(Berth("image", "prune", "-a", "-f"));
        }
    }

    [Fact]
    public void System_check_exits_1_naming_a_corrupt_blob_and_0_once_repaired()
    {
        BusyboxImage.Seed(_store, Image, new ExecutionConfig { Cmd = ["sh"] });
        Digest config;
        using (var store = ImageStore.Open(_store))
            config = store.Resolve(store.Find("crash")).Id;
        var path = Path.Combine(_store, "content", "blobs", "sha256", config.Encoded);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(path, "{}");

        var found = Berth("system", "check");
        var repaired = Berth("system", "check", "--repair");

        Assert.Equal(1, found.Code);
        Assert.StartsWith($"blob {config}: content does not match its digest\nimage crash:latest: ", found.Out);
        // The blob goes, and with it the image's config: that stays for the user to resolve.
        Assert.Equal(1, repaired.Code);
        Assert.StartsWith($"Repaired: removed blob {config}: content does not match its digest\nimage crash:latest: ", repaired.Out);
        Cli.Ok(Berth("rmi", "crash"));
        Cli.Ok(Berth("image", "prune", "-a", "-f"));
        Assert.Equal("No problems found\n", Cli.Ok(Berth("system", "check")).Out);
    }

    private void LoadAfterCrash(string archive, string context)
    {
        var load = Berth("load", "-q", "-i", archive);
        Assert.True(load.Code == 0, $"{context}: load after the crash: exit {load.Code}: {load.Err}");
    }

    /// <summary>Starts a load, SIGKILLs it after <paramref name="delay"/>; false when it had exited by then.</summary>
    private bool LoadAndKill(string archive, TimeSpan delay)
    {
        var info = new ProcessStartInfo(Path.Combine(Cli.Bin, "berth")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--root", _store, "load", "-q", "-i", archive })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var finished = p.WaitForExit(delay);
        if (!finished)
        {
            // Process.Kill sends SIGKILL: nothing runs in berth after it, not even finally blocks.
            p.Kill();
        }
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "berth load: still running after SIGKILL");
        if (finished)
            Assert.True(p.ExitCode == 0, $"berth load: exit {p.ExitCode}: {stderr.Result}");
        _ = stdout.Result;
        return !finished;
    }

    private static List<string> MountsUnder(string root) =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m == root || m.StartsWith(root + "/", StringComparison.Ordinal)).ToList();

    /// <summary>
    /// A three-layer image of incompressible files (about 6 MiB a layer, 400 files each), saved as a
    /// docker-archive and as an oci-archive: large enough that a load takes a while to kill into.
    /// </summary>
    private string[] SeedArchives()
    {
        var seed = Path.Combine(_work, "seed");
        using (var store = ImageStore.Open(seed))
        {
            var layers = new List<Descriptor>();
            var diffIds = new List<Digest>();
            for (var l = 0; l < 3; l++)
            {
                var tar = new MemoryStream();
                using (var w = new TarWriter(tar, leaveOpen: true))
                {
                    w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, $"layer{l}") { Mode = (UnixFileMode)0x1ED });
                    for (var f = 0; f < 400; f++)
                    {
                        var data = new byte[16 << 10];
                        _random.NextBytes(data);
                        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"layer{l}/file{f}") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(data) });
                    }
                }
                diffIds.Add(Digest.Compute(tar.ToArray()));
                var gz = new MemoryStream();
                using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                    z.Write(tar.ToArray());
                layers.Add(Put(store, gz.ToArray(), MediaTypes.OciLayerGzip));
            }
            var config = new ImageConfig
            {
                Architecture = "amd64",
                OS = "linux",
                RootFs = new RootFs { Type = "layers", DiffIds = diffIds },
            };
            var manifest = new ImageManifest
            {
                SchemaVersion = 2,
                MediaType = MediaTypes.OciManifest,
                Config = Put(store, JsonSerializer.SerializeToUtf8Bytes(config, OciImageJson.Default.ImageConfig), MediaTypes.OciConfig),
                Layers = layers,
            };
            store.Register(Image, Put(store, JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest), MediaTypes.OciManifest));
        }
        var docker = Path.Combine(_work, "crash-docker.tar");
        var oci = Path.Combine(_work, "crash-oci.tar");
        Cli.Ok(Cli.Run("berth", "--root", seed, "save", "-o", docker, "crash"));
        Cli.Ok(Cli.Run("berth", "--root", seed, "save", "--format", "oci-archive", "-o", oci, "crash"));
        return [docker, oci];
    }

    private static Descriptor Put(ImageStore store, byte[] data, string mediaType)
    {
        var digest = Digest.Compute(data);
        store.Content.Ingest(digest.ToString(), new MemoryStream(data), data.Length, digest);
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = data.Length };
    }
}
