using System.Text;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Tests.Oci;

public class ConfigParserTests
{
    private static readonly Digest Blob = Digest.Compute("config"u8);
    private static readonly string A = Digest.Compute("a"u8).ToString();

    private static readonly string Config = $$"""
        {
          "created": "2024-05-01T12:34:56.123456789Z",
          "author": "someone",
          "architecture": "amd64",
          "os": "linux",
          "config": {
            "User": "1000:1000",
            "ExposedPorts": { "80/tcp": {} },
            "Env": ["PATH=/usr/bin"],
            "Entrypoint": ["/entry"],
            "Cmd": ["--serve"],
            "Volumes": { "/data": {} },
            "WorkingDir": "/srv",
            "Labels": { "a": "b" },
            "StopSignal": "SIGQUIT",
            "ArgsEscaped": true,
            "Healthcheck": { "Test": ["CMD", "true"], "Interval": 30000000000, "Retries": 3 }
          },
          "rootfs": { "type": "layers", "diff_ids": ["{{A}}"] },
          "history": [ { "created_by": "ADD rootfs", "empty_layer": false }, { "created_by": "CMD", "empty_layer": true } ]
        }
        """;

    private static ImageFormatException Refused(string json) =>
        Assert.Throws<ImageFormatException>(() => ManifestParser.ParseConfig(Encoding.UTF8.GetBytes(json), Blob));

    [Fact]
    public void Parses_the_config_with_dockers_pascal_case_names()
    {
        var c = ManifestParser.ParseConfig(Encoding.UTF8.GetBytes(Config), Blob);
        var x = c.Config!;
        Assert.Equal(("1000:1000", "/srv", "SIGQUIT", true), (x.User, x.WorkingDir, x.StopSignal, x.ArgsEscaped));
        Assert.Equal(["/entry"], x.Entrypoint!);
        Assert.Equal(["--serve"], x.Cmd!);
        Assert.Equal(["PATH=/usr/bin"], x.Env!);
        Assert.True(x.ExposedPorts!.ContainsKey("80/tcp"));
        Assert.True(x.Volumes!.ContainsKey("/data"));
        Assert.Equal(3, x.Healthcheck!.Retries);
        Assert.Equal(A, Assert.Single(c.RootFs!.DiffIds).ToString());
        Assert.True(c.History![1].EmptyLayer);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 34, 56, TimeSpan.Zero), c.Created!.Value.AddTicks(-(c.Created.Value.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal("linux/amd64", c.Platform.ToString());
    }

    [Fact]
    public void Rootfs_type_other_than_layers_is_refused()
    {
        var e = Refused(Config.Replace("\"type\": \"layers\"", "\"type\": \"zfs\""));
        Assert.Equal($"config {Blob}: rootfs.type: must be \"layers\", got \"zfs\"", e.Message);
    }

    [Fact]
    public void Bad_diff_id_is_refused_by_path()
    {
        var e = Refused(Config.Replace(A, "sha1:abc"));
        Assert.Equal($"config {Blob}: rootfs.diff_ids[0]: unsupported algorithm \"sha1\"", e.Message);
    }

    [Fact]
    public void Missing_rootfs_is_refused()
    {
        var json = Config[..Config.IndexOf("\"rootfs\"", StringComparison.Ordinal)] + "\"x\": 1 }";
        Assert.Equal($"config {Blob}: rootfs: missing", Refused(json).Message);
    }

    [Fact]
    public void Env_of_the_wrong_type_is_refused_by_path()
    {
        var e = Refused(Config.Replace("[\"PATH=/usr/bin\"]", "\"PATH=/usr/bin\""));
        Assert.StartsWith($"config {Blob}: config.Env: ", e.Message);
    }

    [Fact]
    public void Config_over_4_MiB_is_refused()
    {
        var json = Config.Replace("\"someone\"", $"\"{new string('x', 4 << 20)}\"");
        Assert.Contains("exceeds 4 MiB limit", Refused(json).Message);
    }
}
