using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Lifecycle;

public sealed class SpecAndFeaturesTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Spec_writes_a_config_json_in_the_current_directory()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Dir, "spec")).FullName;
        Must(Rt(new ExecOptions { WorkingDirectory = dir }, "spec"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        Assert.StartsWith("1.", (string?)config["ociVersion"]);
        Assert.NotEmpty(config["process"]!["args"]!.AsArray());
        Assert.Equal("rootfs", (string?)config["root"]!["path"]);
        Assert.NotEmpty(config["linux"]!["namespaces"]!.AsArray());
    }

    [RuntimeFact]
    public void Spec_bundle_writes_config_json_into_that_directory()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Dir, "spec-bundle")).FullName;
        Must(Rt("spec", "--bundle", dir));
        Assert.True(File.Exists(Path.Combine(dir, "config.json")));
    }

    [RuntimeFact]
    public void Spec_refuses_to_overwrite_an_existing_config_json()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Dir, "spec-exists")).FullName;
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, "{\"mine\":true}");
        var r = Rt(new ExecOptions { WorkingDirectory = dir }, "spec");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("{\"mine\":true}", File.ReadAllText(config));
    }

    [RuntimeFact]
    public void Features_prints_json_with_the_supported_oci_versions()
    {
        var features = JsonNode.Parse(Must(Rt("features")).Stdout)!;
        Assert.StartsWith("1.", (string?)features["ociVersionMin"]);
        Assert.StartsWith("1.", (string?)features["ociVersionMax"]);
        Assert.Contains("pid", features["linux"]!["namespaces"]!.AsArray().Select(n => (string?)n));
    }
}
