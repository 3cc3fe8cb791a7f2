using Berth.Images.Bundles;
using Berth.Images.Oci;
using Berth.Oci.Runtime;

namespace Berth.Images.Tests.Bundles;

public sealed class BundleWriterTests : IDisposable
{
    private readonly FakeRootfs _f = new();

    public void Dispose() => _f.Dispose();

    private BundlePlan Plan(string cmd = "x") =>
        ImageSpecBuilder.Build(new ImageConfig { OS = "linux", Config = new ExecutionConfig { Cmd = [cmd] } }, _f.Rootfs, new BundleOptions());

    [Fact]
    public void Writes_a_config_json_the_runtime_loads()
    {
        BundleWriter.Write(_f.Bundle, Plan());
        Assert.Equal(["x"], SpecLoader.Load(_f.Bundle).Process!.Args);
    }

    [Fact]
    public void Writes_the_json_as_runc_spec_does()
    {
        var plan = Plan();
        BundleWriter.Write(_f.Bundle, plan);
        Assert.Equal(OciJson.SerializeSpec(plan.Spec), File.ReadAllText(Path.Combine(_f.Bundle, "config.json")));
    }

    [Fact]
    public void Creates_a_missing_bundle_dir_0700()
    {
        BundleWriter.Write(_f.Bundle, Plan());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_f.Bundle));
    }

    [Fact]
    public void Refuses_an_existing_non_empty_config_json()
    {
        Directory.CreateDirectory(_f.Bundle);
        var path = Path.Combine(_f.Bundle, "config.json");
        File.WriteAllText(path, "{\"keep\":1}");

        var e = Assert.Throws<BundleException>(() => BundleWriter.Write(_f.Bundle, Plan()));
        Assert.Contains("config.json already exists", e.Message);
        Assert.Equal("{\"keep\":1}", File.ReadAllText(path));
    }

    [Fact]
    public void Replaces_an_existing_config_json_when_told_to()
    {
        BundleWriter.Write(_f.Bundle, Plan("old"));
        BundleWriter.Write(_f.Bundle, Plan("new"), overwrite: true);
        Assert.Equal(["new"], SpecLoader.Load(_f.Bundle).Process!.Args);
    }

    [Fact]
    public void Replaces_an_empty_config_json()
    {
        Directory.CreateDirectory(_f.Bundle);
        File.WriteAllText(Path.Combine(_f.Bundle, "config.json"), "");
        BundleWriter.Write(_f.Bundle, Plan());
        Assert.Equal(["x"], SpecLoader.Load(_f.Bundle).Process!.Args);
    }

    [Fact]
    public void Leaves_no_temp_file_behind()
    {
        BundleWriter.Write(_f.Bundle, Plan());
        Assert.Equal(["config.json"], Directory.GetFiles(_f.Bundle).Select(Path.GetFileName));
    }
}
