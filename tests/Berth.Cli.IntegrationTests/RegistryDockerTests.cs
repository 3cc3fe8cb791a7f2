using System.Text.Json;
using Berth.Images.Oci;

namespace Berth.Cli.IntegrationTests;

/// <summary>docker push and docker pull, by a private dockerd, against <c>berth registry serve</c>.</summary>
public sealed class RegistryDockerTests : IClassFixture<RegistryDockerDaemon>, IDisposable
{
    /// <summary>alice:secret, bcrypt cost 5, as <c>htpasswd -Bbn -C 5 alice secret</c> writes it.</summary>
    private const string AliceEntry = "alice:$2y$05$1S6Y2FA8ZMj1XE.TmwJP0ed2jgGxtZYIlq0DCba4oYjXDBkpjm5kK";

    private readonly RegistryDockerDaemon _docker;
    private readonly string _work = Directory.CreateTempSubdirectory("berth-registry-docker-").FullName;
    private readonly string _image;

    public RegistryDockerTests(RegistryDockerDaemon docker)
    {
        _docker = docker;
        try
        {
            var store = Path.Combine(_work, "store");
            BusyboxImage.Seed(store, "docker.io/library/busybox:latest", new ExecutionConfig { Cmd = ["sh"] });
            var archive = Path.Combine(_work, "busybox.tar");
            Cli.Ok(Cli.Run("berth", "--root", store, "save", "-o", archive, "busybox"));
            Docker("load", "-i", archive);
            _image = "busybox:latest";
        }
        catch
        {
            Directory.Delete(_work, recursive: true);
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Docker_push_then_pull_brings_back_the_same_image()
    {
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        var remote = $"{registry.Host}/library/busybox:v1";
        var id = ImageId(_image);
        Docker("tag", _image, remote);

        var push = Docker("push", remote);
        Docker("rmi", remote);
        var pull = Docker("pull", remote);

        Assert.Contains("v1: digest: sha256:", push.Out, StringComparison.Ordinal);
        Assert.Contains($"Downloaded newer image for {remote}", pull.Out, StringComparison.Ordinal);
        Assert.Equal(id, ImageId(remote));
        Docker("rmi", remote);
    }

    [Fact]
    public void Docker_push_of_a_second_repository_mounts_the_layers()
    {
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        Docker("tag", _image, $"{registry.Host}/one/busybox:v1");
        Docker("tag", _image, $"{registry.Host}/two/busybox:v1");

        Docker("push", $"{registry.Host}/one/busybox:v1");
        var second = Docker("push", $"{registry.Host}/two/busybox:v1");

        Assert.Contains("Mounted from one/busybox", second.Out, StringComparison.Ordinal);
        Docker("rmi", $"{registry.Host}/one/busybox:v1", $"{registry.Host}/two/busybox:v1");
    }

    [Fact]
    public void Docker_needs_login_for_an_htpasswd_registry()
    {
        var htpasswd = Path.Combine(_work, "htpasswd");
        File.WriteAllText(htpasswd, AliceEntry + "\n");
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"), "--htpasswd", htpasswd);
        var remote = $"{registry.Host}/private/busybox:v1";
        Docker("tag", _image, remote);

        var anonymous = _docker.Run("push", remote);
        var badLogin = _docker.RunWithInput("wrong\n", "login", "-u", "alice", "--password-stdin", registry.Host);
        DockerWithInput("secret\n", "login", "-u", "alice", "--password-stdin", registry.Host);
        var push = Docker("push", remote);
        Docker("rmi", remote);
        Docker("pull", remote);
        Docker("logout", registry.Host);

        Assert.NotEqual(0, anonymous.Code);
        Assert.Contains("no basic auth credentials", anonymous.Err, StringComparison.Ordinal);
        Assert.NotEqual(0, badLogin.Code);
        Assert.Contains("v1: digest: sha256:", push.Out, StringComparison.Ordinal);
        Docker("rmi", remote);
    }

    [Fact]
    public void Docker_pulls_an_oci_image_that_skopeo_pushed()
    {
        var skopeo = RegistryTools.Require("skopeo", "skopeo");
        var store = Path.Combine(_work, "store");
        var archive = Path.Combine(_work, "busybox-oci.tar");
        Cli.Ok(Cli.Run("berth", "--root", store, "save", "--format", "oci-archive", "-o", archive, "busybox"));
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        var remote = $"{registry.Host}/oci/busybox:v1";
        RegistryTools.Ok(RegistryTools.Run(skopeo, ["copy", "--dest-tls-verify=false", $"oci-archive:{archive}:latest", "docker://" + remote]), "skopeo copy");

        Docker("pull", remote);

        Assert.Equal(ImageId(_image), ImageId(remote));
        Docker("rmi", remote);
    }

    private (int Code, string Out, string Err) Docker(params string[] args) =>
        RegistryTools.Ok(_docker.Run(args), "docker " + string.Join(' ', args) + $" (dockerd log {_docker.LogPath})");

    private (int Code, string Out, string Err) DockerWithInput(string stdin, params string[] args) =>
        RegistryTools.Ok(_docker.RunWithInput(stdin, args), "docker " + string.Join(' ', args));

    private string ImageId(string image) =>
        JsonDocument.Parse(Docker("image", "inspect", image).Out).RootElement[0].GetProperty("Id").GetString()!;
}
