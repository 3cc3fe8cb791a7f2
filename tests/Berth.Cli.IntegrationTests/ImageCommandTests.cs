using System.Text.Json;
using Berth.Images.Oci;

namespace Berth.Cli.IntegrationTests;

public sealed class ImageCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("berth-cli-").FullName;
    private readonly List<string> _bundles = [];

    public ImageCommandTests()
    {
        BusyboxImage.Seed(_root, "docker.io/library/busybox:latest", new ExecutionConfig
        {
            Cmd = ["sh", "-c", "echo \"uid=$(id -u) cwd=$(pwd)\"; cat /etc/motd"],
            User = "nobody",
            WorkingDir = "/tmp",
            Env = ["GREETING=hi"],
        });
    }

    public void Dispose()
    {
        foreach (var b in _bundles)
        {
            Cli.Run("berth", "--root", _root, "image", "unbundle", b);
            Directory.Delete(b, recursive: true);
        }
        Directory.Delete(_root, recursive: true);
    }

    private (int Code, string Out, string Err) Berth(params string[] args) => Cli.Run("berth", ["--root", _root, .. args]);

    [Fact]
    public void Images_prints_docker_columns_with_the_familiar_name()
    {
        var (code, output, _) = Berth("images");

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$", lines[0]);
        Assert.Matches(@"^busybox\s+latest\s+[0-9a-f]{12}\s+3 hours ago\s+\d", lines[1]);
    }

    [Fact]
    public void Tag_then_rmi_of_the_tag_leaves_the_original()
    {
        Assert.Equal(0, Berth("tag", "busybox", "localhost:5000/box:v1").Code);

        var rmi = Berth("rmi", "localhost:5000/box:v1");

        Assert.Equal("Untagged: localhost:5000/box:v1\n", rmi.Out);
        Assert.Equal(["busybox"], Berth("image", "ls", "--format", "json").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Repository").GetString()));
    }

    [Fact]
    public void Inspect_names_the_config_digest_and_the_tags()
    {
        var (_, output, _) = Cli.Ok(Berth("image", "inspect", "busybox"));

        var image = JsonDocument.Parse(output).RootElement[0];
        Assert.StartsWith("sha256:", image.GetProperty("Id").GetString());
        Assert.Equal("busybox:latest", image.GetProperty("RepoTags")[0].GetString());
        Assert.Equal("nobody", image.GetProperty("Config").GetProperty("User").GetString());
        Assert.Equal(2, image.GetProperty("RootFS").GetProperty("Layers").GetArrayLength());
    }

    [Fact]
    public void Unknown_image_is_an_error_with_exit_1()
    {
        var (code, _, err) = Berth("image", "inspect", "nope");

        Assert.Equal(1, code);
        Assert.Equal("Error: No such image: nope\n", err);
    }

    [Fact]
    public void Bundle_runs_under_berth_runtime_as_the_image_says()
    {
        var bundle = NewBundleDir();

        Cli.Ok(Berth("image", "bundle", "busybox", bundle));
        var run = Cli.Run("berth-runtime", "--root", Path.Combine(_root, "runtime"), "run", "--bundle", bundle, "cli-bundle-" + Environment.ProcessId);

        Cli.Ok(run);
        Assert.Equal("uid=65534 cwd=/tmp\nwelcome to berth\n", run.Out);
    }

    [Fact]
    public void Writes_in_a_bundle_leave_the_image_untouched()
    {
        var first = NewBundleDir();
        var second = NewBundleDir();
        Cli.Ok(Berth("image", "bundle", "busybox", first));
        Cli.Ok(Berth("image", "bundle", "busybox", second));

        File.WriteAllText(Path.Combine(first, "rootfs/etc/motd"), "changed\n");

        Assert.Equal("welcome to berth\n", File.ReadAllText(Path.Combine(second, "rootfs/etc/motd")));
    }

    [Fact]
    public void Unbundle_unmounts_and_prune_then_frees_the_image()
    {
        var bundle = NewBundleDir();
        Cli.Ok(Berth("image", "bundle", "busybox", bundle));
        Cli.Ok(Berth("image", "unbundle", bundle));
        _bundles.Remove(bundle);
        Directory.Delete(bundle, recursive: true);

        Berth("rmi", "busybox");
        var prune = Berth("image", "prune");

        Assert.Equal(0, prune.Code);
        Assert.DoesNotContain(bundle, File.ReadAllText("/proc/self/mountinfo"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "content/blobs/sha256")));
    }

    [Fact]
    public void Bundle_for_an_unknown_user_fails_naming_it_and_leaves_nothing_behind()
    {
        var parent = Directory.CreateTempSubdirectory("berth-bundle-parent-").FullName;
        try
        {
            var bundle = Path.Combine(parent, "b");
            var (code, _, err) = Berth("image", "bundle", "-u", "nosuchuser", "busybox", bundle);

            Assert.Equal(1, code);
            Assert.Contains("nosuchuser", err);
            Assert.False(Directory.Exists(bundle), "the bundle directory it created must be gone");
            Assert.DoesNotContain(parent, File.ReadAllText("/proc/self/mountinfo"));
            // The image's layers stay unpacked (they are the image's); no writable layer is left.
            Assert.Matches(@"(?m)^Bundles\s+0\s+0\s+0B\s", Cli.Ok(Berth("system", "df")).Out);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void Bundle_into_a_directory_that_is_already_a_bundle_leaves_the_first_one_working()
    {
        var bundle = NewBundleDir();
        Cli.Ok(Berth("image", "bundle", "busybox", bundle));
        File.Delete(Path.Combine(bundle, "config.json"));

        Assert.Equal(1, Berth("image", "bundle", "busybox", bundle).Code);

        Assert.Equal("welcome to berth\n", File.ReadAllText(Path.Combine(bundle, "rootfs/etc/motd")));
        Cli.Ok(Berth("image", "unbundle", bundle));
        _bundles.Remove(bundle);
        Directory.Delete(bundle, recursive: true);
    }

    private string NewBundleDir()
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("berth-bundle-").FullName);
        _bundles.Add(dir);
        return dir;
    }
}
