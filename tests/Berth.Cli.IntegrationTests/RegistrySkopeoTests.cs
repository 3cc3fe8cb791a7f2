using System.Formats.Tar;
using System.Text.Json;
using Berth.Images.Oci;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// skopeo against <c>berth registry serve</c> (the NativeAOT binary): an OCI layout of a two-layer
/// busybox image copied in, inspected, listed, copied back out and deleted, over plain HTTP on
/// loopback and with htpasswd credentials.
/// </summary>
public sealed class RegistrySkopeoTests : IDisposable
{
    /// <summary>alice:secret, bcrypt cost 5, as <c>htpasswd -Bbn -C 5 alice secret</c> writes it.</summary>
    private const string AliceEntry = "alice:$2y$05$1S6Y2FA8ZMj1XE.TmwJP0ed2jgGxtZYIlq0DCba4oYjXDBkpjm5kK";

    private readonly string _skopeo = RegistryTools.Require("skopeo", "skopeo");
    private readonly string _work = Directory.CreateTempSubdirectory("berth-registry-skopeo-").FullName;
    private readonly string _layout;

    public RegistrySkopeoTests()
    {
        try
        {
            var store = Path.Combine(_work, "store");
            BusyboxImage.Seed(store, "docker.io/library/busybox:latest", new ExecutionConfig { Cmd = ["sh"] });
            var archive = Path.Combine(_work, "busybox-oci.tar");
            Cli.Ok(Cli.Run("berth", "--root", store, "save", "--format", "oci-archive", "-o", archive, "busybox"));
            _layout = Path.Combine(_work, "layout");
            Directory.CreateDirectory(_layout);
            TarFile.ExtractToDirectory(archive, _layout, overwriteFiles: false);
        }
        catch
        {
            Directory.Delete(_work, recursive: true);
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Skopeo_copies_an_oci_layout_in_and_back_out_unchanged()
    {
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        var remote = $"docker://{registry.Host}/library/busybox:v1";

        Skopeo("copy", "--dest-tls-verify=false", $"oci:{_layout}:latest", remote);
        var output = Path.Combine(_work, "out");
        Skopeo("copy", "--src-tls-verify=false", remote, $"oci:{output}:v1");

        Assert.Equal(ManifestDigest(_layout), ManifestDigest(output));
        Assert.Equal(BlobNames(_layout), BlobNames(output));
    }

    [Fact]
    public void Skopeo_inspect_sees_the_pushed_image()
    {
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        Skopeo("copy", "--dest-tls-verify=false", $"oci:{_layout}:latest", $"docker://{registry.Host}/library/busybox:v1");

        var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false", $"docker://{registry.Host}/library/busybox:v1").Out).RootElement;

        Assert.Equal(ManifestDigest(_layout), inspect.GetProperty("Digest").GetString());
        Assert.Equal(2, inspect.GetProperty("Layers").GetArrayLength());
        Assert.Equal("amd64", inspect.GetProperty("Architecture").GetString());
    }

    [Fact]
    public void Skopeo_list_tags_lists_every_pushed_tag()
    {
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        foreach (var tag in new[] { "v1", "v2", "latest" })
            Skopeo("copy", "--dest-tls-verify=false", $"oci:{_layout}:latest", $"docker://{registry.Host}/library/busybox:{tag}");

        var list = JsonDocument.Parse(Skopeo("list-tags", "--tls-verify=false", $"docker://{registry.Host}/library/busybox").Out).RootElement;

        Assert.Equal(["latest", "v1", "v2"], list.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Skopeo_delete_removes_the_image_and_gc_frees_its_blobs()
    {
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        var remote = $"docker://{registry.Host}/library/busybox:v1";
        Skopeo("copy", "--dest-tls-verify=false", $"oci:{_layout}:latest", remote);

        Skopeo("delete", "--tls-verify=false", remote);
        var inspect = RegistryTools.Run(_skopeo, ["inspect", "--tls-verify=false", remote]);
        registry.Dispose();
        var gc = Cli.Ok(Cli.Run("berth", "--root", registry.Root, "registry", "gc"));

        Assert.NotEqual(0, inspect.Code);
        Assert.Contains("manifest unknown", inspect.Err, StringComparison.Ordinal);
        // Manifest, config and two layers.
        Assert.Equal(4, gc.Out.Split('\n').Count(l => l.StartsWith("delete sha256:", StringComparison.Ordinal)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(registry.Root, "content", "blobs", "sha256")));
    }

    [Fact]
    public void Skopeo_pushes_and_pulls_with_htpasswd_credentials_and_is_refused_without()
    {
        var htpasswd = Path.Combine(_work, "htpasswd");
        File.WriteAllText(htpasswd, AliceEntry + "\n");
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"), "--htpasswd", htpasswd);
        var remote = $"docker://{registry.Host}/private/busybox:v1";

        var anonymous = RegistryTools.Run(_skopeo, ["copy", "--dest-tls-verify=false", $"oci:{_layout}:latest", remote]);
        var wrong = RegistryTools.Run(_skopeo, ["copy", "--dest-tls-verify=false", "--dest-creds", "alice:wrong", $"oci:{_layout}:latest", remote]);
        Skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:secret", $"oci:{_layout}:latest", remote);
        var output = Path.Combine(_work, "out");
        Skopeo("copy", "--src-tls-verify=false", "--src-creds", "alice:secret", remote, $"oci:{output}:v1");

        Assert.NotEqual(0, anonymous.Code);
        Assert.Contains("unauthorized", anonymous.Err, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(0, wrong.Code);
        Assert.Equal(ManifestDigest(_layout), ManifestDigest(output));
    }

    [Fact]
    public void Skopeo_copy_between_repositories_mounts_the_blobs()
    {
        using var registry = new RegistryProcess(Path.Combine(_work, "registry"));
        Skopeo("copy", "--dest-tls-verify=false", $"oci:{_layout}:latest", $"docker://{registry.Host}/library/busybox:v1");

        Skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", $"docker://{registry.Host}/library/busybox:v1", $"docker://{registry.Host}/mirror/busybox:v1");
        var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false", $"docker://{registry.Host}/mirror/busybox:v1").Out).RootElement;

        Assert.Equal(ManifestDigest(_layout), inspect.GetProperty("Digest").GetString());
        // Stored once: 2 layers, config and manifest, however many repositories link them.
        Assert.Equal(4, Directory.EnumerateFiles(Path.Combine(registry.Root, "content", "blobs", "sha256")).Count());
    }

    private (int Code, string Out, string Err) Skopeo(params string[] args) =>
        RegistryTools.Ok(RegistryTools.Run(_skopeo, args), "skopeo " + string.Join(' ', args));

    private static string ManifestDigest(string layout)
    {
        var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json"))).RootElement;
        return index.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
    }

    private static string[] BlobNames(string layout) =>
        Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
