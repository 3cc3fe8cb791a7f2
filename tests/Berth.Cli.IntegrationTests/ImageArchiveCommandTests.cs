using System.Text.Json;
using Berth.Images.Oci;

namespace Berth.Cli.IntegrationTests;

public sealed class ImageArchiveCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("berth-cli-").FullName;
    private readonly string _work = Directory.CreateTempSubdirectory("berth-cli-work-").FullName;

    public ImageArchiveCommandTests()
    {
        BusyboxImage.Seed(_root, "docker.io/library/busybox:latest", new ExecutionConfig { Cmd = ["sh"] });
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    private (int Code, string Out, string Err) Berth(params string[] args) => Cli.Run("berth", ["--root", _root, .. args]);

    private string Id(string image) =>
        JsonDocument.Parse(Cli.Ok(Berth("image", "inspect", image)).Out).RootElement[0].GetProperty("Id").GetString()!;

    [Fact]
    public void Save_then_load_restores_the_same_image_id()
    {
        var before = Id("busybox");
        var archive = Path.Combine(_work, "busybox.tar");

        Cli.Ok(Berth("save", "-o", archive, "busybox"));
        Cli.Ok(Berth("rmi", "busybox"));
        var load = Cli.Ok(Berth("load", "-q", "-i", archive));

        Assert.Equal("Loaded image: busybox:latest\n", load.Out);
        Assert.Equal(before, Id("busybox"));
    }

    [Fact]
    public void Saved_docker_archive_is_read_by_skopeo()
    {
        var archive = Path.Combine(_work, "busybox.tar");
        Cli.Ok(Berth("save", "-o", archive, "busybox"));

        var inspect = Cli.Ok(Tool("skopeo", "inspect", "docker-archive:" + archive));

        Assert.Equal(2, JsonDocument.Parse(inspect.Out).RootElement.GetProperty("Layers").GetArrayLength());
    }

    [Fact]
    public void Saved_oci_archive_is_read_by_skopeo_and_loads_back()
    {
        var archive = Path.Combine(_work, "busybox-oci.tar");
        Cli.Ok(Berth("save", "--format", "oci-archive", "-o", archive, "busybox"));

        Cli.Ok(Tool("skopeo", "inspect", "oci-archive:" + archive + ":latest"));
        Cli.Ok(Berth("rmi", "busybox"));
        Cli.Ok(Berth("load", "-q", "-i", archive));

        Assert.Contains("busybox", Berth("images").Out);
    }

    [Fact]
    public void Import_of_a_rootfs_tarball_makes_a_one_layer_image_with_the_changes()
    {
        var rootfs = Path.Combine(_work, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        File.WriteAllText(Path.Combine(rootfs, "etc/hello"), "hi\n");
        var tarball = Path.Combine(_work, "rootfs.tar");
        Cli.Ok(Tool("tar", "-C", rootfs, "-cf", tarball, "."));

        var id = Cli.Ok(Berth("import", "-c", "WORKDIR /etc", "-c", "CMD [\"cat\", \"hello\"]", tarball, "hello:v1")).Out.Trim();

        var image = JsonDocument.Parse(Cli.Ok(Berth("image", "inspect", "hello:v1")).Out).RootElement[0];
        Assert.Equal(id, image.GetProperty("Id").GetString());
        Assert.Equal("/etc", image.GetProperty("Config").GetProperty("WorkingDir").GetString());
        Assert.Equal(1, image.GetProperty("RootFS").GetProperty("Layers").GetArrayLength());
    }

    [Fact]
    public void Load_of_a_corrupt_archive_fails_and_leaves_no_image()
    {
        var archive = Path.Combine(_work, "busybox.tar");
        Cli.Ok(Berth("save", "-o", archive, "busybox"));
        Cli.Ok(Berth("rmi", "busybox"));
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);

        var load = Berth("load", "-q", "-i", archive);

        Assert.Equal(1, load.Code);
        Assert.StartsWith("Error: ", load.Err);
        Assert.Equal("REPOSITORY   TAG   IMAGE ID   CREATED   SIZE\n", Berth("images").Out);
    }

    private static (int Code, string Out, string Err) Tool(string exe, params string[] args) => Cli.Exec(exe, args, timeoutSeconds: 60);
}
