using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class VersionValidationTests
{
    [Theory]
    [InlineData("1.0.0")]
    [InlineData("1.0.2-dev")]
    [InlineData("1.0.0-rc2-dev")]
    [InlineData("1.1.0")]
    [InlineData("1.2.0")]
    [InlineData("1.2.1")]
    [InlineData("1.2.1+dev")]
    public void Versions_from_1_0_to_1_2_are_accepted(string version)
    {
        var spec = Specs.Valid();
        spec.OciVersion = version;

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Version_2_is_refused_naming_the_supported_range()
    {
        var spec = Specs.Valid();
        spec.OciVersion = "2.0.0";

        Assert.Equal("config.json: ociVersion: unsupported version \"2.0.0\" (supported: 1.0.0 to 1.2.x)", Specs.ValidationError(spec));
    }

    [Theory]
    [InlineData("1.3.0")]
    [InlineData("0.6.0")]
    [InlineData("1.2")]
    [InlineData("v1.2.0")]
    [InlineData("1.02.0")]
    [InlineData("latest")]
    public void Versions_outside_the_range_or_malformed_are_refused(string version)
    {
        var spec = Specs.Valid();
        spec.OciVersion = version;

        Assert.Equal($"config.json: ociVersion: unsupported version \"{version}\" (supported: 1.0.0 to 1.2.x)", Specs.ValidationError(spec));
    }

    [Fact]
    public void Missing_version_is_refused()
    {
        var message = Specs.ParseError("""{"root": {"path": "rootfs"}}""");

        Assert.Equal("config.json: ociVersion: is required", message);
    }
}
