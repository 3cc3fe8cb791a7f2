using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Tests.Oci;

public class PlatformMatcherTests
{
    private static Descriptor Entry(string? platform, string tag) => new()
    {
        MediaType = MediaTypes.OciManifest,
        Digest = Digest.Compute(System.Text.Encoding.UTF8.GetBytes(tag)),
        Size = 1,
        Annotations = new Dictionary<string, string> { ["tag"] = tag },
        Platform = platform is null ? null : Split(platform),
    };

    private static Platform Split(string s)
    {
        var p = s.Split('/');
        return new Platform { OS = p[0], Architecture = p[1], Variant = p.Length > 2 ? p[2] : null };
    }

    private static string? Pick(string target, params Descriptor[] entries) =>
        new PlatformMatcher(Platform.Parse(target)).Select(entries)?.Annotations!["tag"];

    [Fact]
    public void Amd64_picks_its_own_entry_over_others()
    {
        Assert.Equal("amd", Pick("linux/amd64", Entry("linux/arm64", "arm"), Entry("linux/amd64", "amd")));
    }

    [Fact]
    public void Amd64_accepts_an_entry_with_variant_v1()
    {
        Assert.Equal("v1", Pick("linux/amd64", Entry("linux/amd64/v1", "v1")));
    }

    [Fact]
    public void Amd64_does_not_take_a_v3_only_image()
    {
        Assert.Null(Pick("linux/amd64", Entry("linux/amd64/v3", "v3")));
    }

    [Fact]
    public void Amd64_prefers_amd64_over_386_whatever_the_order()
    {
        Assert.Equal("amd", Pick("linux/amd64", Entry("linux/386", "386"), Entry("linux/amd64", "amd")));
        Assert.Equal("386", Pick("linux/amd64", Entry("linux/386", "386")));
    }

    [Fact]
    public void Arm64_v8_matches_an_entry_without_variant_and_the_reverse()
    {
        Assert.Equal("a", Pick("linux/arm64/v8", Entry("linux/arm64", "a")));
        Assert.Equal("b", Pick("linux/arm64", Entry("linux/arm64/v8", "b")));
        Assert.Equal("c", Pick("linux/aarch64", Entry("linux/arm64/8", "c")));
    }

    [Fact]
    public void Arm64_falls_back_to_32_bit_arm_best_variant_first()
    {
        Assert.Equal("v7", Pick("linux/arm64", Entry("linux/arm/v6", "v6"), Entry("linux/arm/v7", "v7")));
    }

    [Fact]
    public void Arm_v7_does_not_run_arm64()
    {
        Assert.Null(Pick("linux/arm/v7", Entry("linux/arm64", "arm64")));
    }

    [Fact]
    public void Entries_without_a_platform_are_skipped()
    {
        Assert.Equal("amd", Pick("linux/amd64", Entry(null, "none"), Entry("linux/amd64", "amd")));
    }

    [Fact]
    public void Attestation_entries_with_unknown_platform_never_match()
    {
        Assert.Null(Pick("linux/amd64", Entry("unknown/unknown", "att")));
    }

    [Fact]
    public void Os_must_match()
    {
        Assert.Null(Pick("linux/amd64", Entry("windows/amd64", "win")));
    }

    [Fact]
    public void First_of_equally_good_entries_wins()
    {
        Assert.Equal("first", Pick("linux/amd64", Entry("linux/amd64", "first"), Entry("linux/amd64", "second")));
    }

    [Theory]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("linux/arm", "linux/arm/v7")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("LINUX/AMD64", "linux/amd64")]
    [InlineData("linux/arm64/v9.0", "linux/arm64/v9")]
    public void Parse_normalises_like_containerd(string input, string expected)
    {
        Assert.Equal(expected, Platform.Parse(input).ToString());
    }

    [Fact]
    public void Parse_of_a_bare_architecture_means_the_host_os()
    {
        Assert.Equal("linux/arm64", Platform.Parse("arm64").ToString());
    }

    [Fact]
    public void Parse_refuses_an_unknown_single_word()
    {
        var e = Assert.Throws<FormatException>(() => Platform.Parse("banana"));
        Assert.Equal("platform \"banana\": unknown operating system or architecture", e.Message);
    }

    [Fact]
    public void Host_default_is_linux_on_this_machine_architecture()
    {
        var expected = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64 ? "amd64" : "arm64";
        Assert.Equal(("linux", expected), (PlatformMatcher.Default.Target.OS, PlatformMatcher.Default.Target.Architecture));
    }
}
