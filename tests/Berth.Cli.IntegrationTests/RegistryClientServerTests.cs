namespace Berth.Cli.IntegrationTests;

/// <summary>
/// berth push and berth pull against berth registry serve: the two ends of the distribution issue
/// proven against each other, including a connection the network drops in the middle of a layer.
/// </summary>
public sealed class RegistryClientServerTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-reg-e2e-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private (int Code, string Out, string Err) Berth(string root, params string[] args) =>
        Cli.Run(Path.Combine(Cli.Bin, "berth"), ["--root", Path.Combine(_work, root), .. args]);

    /// <summary>A one-layer image of 8 MiB that does not compress, imported into store "source" as big:1.</summary>
    private void SeedBigImage()
    {
        var rootfs = Directory.CreateDirectory(Path.Combine(_work, "rootfs")).FullName;
        var noise = new byte[8 << 20];
        new Random(5).NextBytes(noise);
        File.WriteAllBytes(Path.Combine(rootfs, "noise"), noise);
        var tar = Path.Combine(_work, "rootfs.tar");
        System.Formats.Tar.TarFile.CreateFromDirectory(rootfs, tar, includeBaseDirectory: false);
        Cli.Ok(Berth("source", "image", "import", tar, "big:1"));
    }

    [Fact]
    public void Pull_resumes_a_layer_whose_connection_drops_midway_and_gets_the_pushed_image()
    {
        SeedBigImage();
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        Cli.Ok(Berth("source", "image", "tag", "big:1", $"{registry.Host}/test/big:1"));
        var push = Cli.Ok(Berth("source", "push", $"{registry.Host}/test/big:1"));
        var digest = push.Out.Split('\n').Single(l => l.StartsWith("1: digest: ", StringComparison.Ordinal)).Split(' ')[2];
        using var proxy = new CuttingProxy(registry.Url, cutAfter: 3 << 20);

        var pull = Berth("pulled", "pull", $"{proxy.Host}/test/big:1");

        Assert.True(pull.Code == 0, $"pull: exit {pull.Code}: {pull.Out}{pull.Err}\nregistry: {registry.Log}");
        Assert.Equal(1, proxy.Cuts);
        Assert.Contains(proxy.RangeStarts, start => start > 0);
        Assert.Contains($"Digest: {digest}", pull.Out);
        Assert.Contains("Status: Downloaded newer image", pull.Out);
        Assert.Equal(0, Berth("pulled", "system", "check").Code);
        Assert.Equal(IdOf("source", "big:1"), IdOf("pulled", $"{proxy.Host}/test/big:1"));
    }

    [Fact]
    public void Kill_9_during_a_pull_leaves_a_store_that_checks_clean_and_the_next_pull_resumes_from_the_bytes_it_has()
    {
        SeedBigImage();
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        Cli.Ok(Berth("source", "image", "tag", "big:1", $"{registry.Host}/test/big:1"));
        Cli.Ok(Berth("source", "push", $"{registry.Host}/test/big:1"));
        var reference = string.Empty;
        using (var slow = new CuttingProxy(registry.Url, bytesPerSecond: 4 << 20))
        {
            reference = $"{slow.Host}/test/big:1";
            var pull = new System.Diagnostics.Process { StartInfo = new(Path.Combine(Cli.Bin, "berth"), ["--root", Path.Combine(_work, "pulled"), "pull", "-q", reference]) };
            pull.Start();
            // 8 MiB at 4 MiB/s: about half of the layer is in when the kill comes.
            Thread.Sleep(1200);
            Assert.False(pull.HasExited, "the pull ended before it could be killed");
            pull.Kill();
            pull.WaitForExit();
        }
        using var proxy = new CuttingProxy(registry.Url, cutAfter: long.MaxValue);

        var again = Berth("pulled", "pull", $"{proxy.Host}/test/big:1");

        Assert.True(again.Code == 0, $"pull after the kill: exit {again.Code}: {again.Out}{again.Err}");
        Assert.Contains(proxy.RangeStarts, start => start > 0);
        Assert.Equal(0, Berth("pulled", "system", "check").Code);
        Assert.Equal(IdOf("source", "big:1"), IdOf("pulled", $"{proxy.Host}/test/big:1"));
    }

    private string IdOf(string root, string image)
    {
        using var json = System.Text.Json.JsonDocument.Parse(Cli.Ok(Berth(root, "image", "inspect", image)).Out);
        return json.RootElement[0].GetProperty("Id").GetString()!;
    }
}
