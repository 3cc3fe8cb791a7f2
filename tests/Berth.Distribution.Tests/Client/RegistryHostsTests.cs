using Berth.Distribution.Client;
using Berth.Distribution.Client.Pull;
using Berth.Distribution.Client.Transport;
using Berth.Distribution.Tests.Client.Fakes;
using Berth.Images.Oci;
using Berth.Images.References;

namespace Berth.Distribution.Tests.Client;

public sealed class RegistryHostsTests
{
    [Fact]
    public void Docker_hub_is_reached_at_registry_1_over_https_after_its_mirrors_for_pulls_only()
    {
        var options = new RegistryClientOptions { Mirrors = [new Uri("https://mirror.example/")] };
        Assert.Equal(["https://mirror.example/", "https://registry-1.docker.io/"], RegistryHosts.For("docker.io", options, push: false).Select(e => e.BaseUri.ToString()));
        Assert.Equal(["https://registry-1.docker.io/"], RegistryHosts.For("docker.io", options, push: true).Select(e => e.BaseUri.ToString()));
    }

    [Fact]
    public void Only_an_insecure_registry_has_a_plain_http_fallback()
    {
        var options = new RegistryClientOptions { Insecure = new InsecureRegistries(["reg.example:5000"]) };
        Assert.Equal(["https://reg.example:5000/", "http://reg.example:5000/"], RegistryHosts.For("reg.example:5000", options, push: true).Select(e => e.BaseUri.ToString()));
        Assert.Equal(["https://other.example:5000/"], RegistryHosts.For("other.example:5000", options, push: true).Select(e => e.BaseUri.ToString()));
    }

    [Fact]
    public void Daemon_json_names_insecure_registries_and_mirrors_as_docker_does()
    {
        using var dir = new TempDir();
        var path = dir.Combine("daemon.json");
        File.WriteAllText(path, """{"insecure-registries":["10.0.0.0/8","reg.example:5000"],"registry-mirrors":["https://mirror.example"],"debug":true}""");

        var options = DaemonConfig.Load(path).Apply(new RegistryClientOptions(), ["extra.example:1"]);

        Assert.True(options.Insecure.IsInsecure("10.9.8.7:5000"));
        Assert.True(options.Insecure.IsInsecure("reg.example:5000"));
        Assert.True(options.Insecure.IsInsecure("extra.example:1"));
        Assert.False(options.Insecure.IsInsecure("reg.example:5001"));
        Assert.Equal([new Uri("https://mirror.example/")], options.Mirrors);
    }

    [Fact]
    public async Task Docker_hub_pull_goes_through_a_mirror()
    {
        await using var mirror = await FakeRegistry.StartAsync();
        TestImage.Create().ServeFrom(mirror, "library/busybox");
        using var fx = new ClientFixture(configure: o => o with { Mirrors = [mirror.BaseUri] });

        var result = await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse("busybox"), PlatformMatcher.Default, default);

        Assert.Equal("docker.io/library/busybox:latest", result.Name);
        Assert.Contains(mirror.Requests, r => r.PathAndQuery == "/v2/library/busybox/manifests/latest");
    }

    [Fact]
    public async Task Docker_hub_pull_falls_back_from_a_mirror_that_lacks_the_image_to_registry_1()
    {
        using var certs = new TestCertificates("registry-1.docker.io");
        await using var hub = await FakeRegistry.StartAsync(certs.Server);
        await using var mirror = await FakeRegistry.StartAsync();
        var image = TestImage.Create();
        image.ServeFrom(hub, "library/busybox");
        using var fx = new ClientFixture(configure: o => o with
        {
            Mirrors = [mirror.BaseUri],
            Resolve = new Dictionary<string, string> { ["registry-1.docker.io:443"] = $"127.0.0.1:{hub.Port}" },
        });
        Directory.CreateDirectory(Path.Combine(fx.Options.CertsDirectory, "registry-1.docker.io"));
        File.WriteAllText(Path.Combine(fx.Options.CertsDirectory, "registry-1.docker.io", "ca.crt"), TestCertificates.Pem(certs.Ca));

        var result = await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse("busybox"), PlatformMatcher.Default, default);

        Assert.Equal(image.ManifestDigest, result.Target.Digest);
        Assert.Contains(mirror.Requests, r => r.PathAndQuery == "/v2/library/busybox/manifests/latest");
        Assert.Contains(hub.Requests, r => r.PathAndQuery == "/v2/library/busybox/manifests/latest");
        Assert.DoesNotContain(mirror.Requests, r => r.PathAndQuery.Contains("/blobs/", StringComparison.Ordinal));
    }
}
