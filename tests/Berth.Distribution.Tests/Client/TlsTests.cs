using Berth.Distribution.Client;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Transport;
using Berth.Distribution.Tests.Client.Fakes;

namespace Berth.Distribution.Tests.Client;

/// <summary>
/// REG-TLS-1/2 against Kestrel with a CA made in the test. The registry is reached as
/// "registry.test" (a name, so not loopback-insecure) through the client's resolve override.
/// </summary>
public sealed class TlsTests
{
    private const string Name = "registry.test";

    private static ClientFixture Fixture(FakeRegistry registry, params string[] insecure) =>
        new(configure: o => o with
        {
            Resolve = new Dictionary<string, string> { [$"{Name}:{registry.Port}"] = $"127.0.0.1:{registry.Port}" },
            Insecure = new InsecureRegistries(insecure),
        });

    private static void TrustCa(ClientFixture fx, FakeRegistry registry, TestCertificates certs)
    {
        var dir = Path.Combine(fx.Options.CertsDirectory, $"{Name}:{registry.Port}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "ca.crt"), TestCertificates.Pem(certs.Ca));
    }

    [Fact]
    public async Task Server_certificate_from_a_certs_d_ca_is_trusted()
    {
        using var certs = new TestCertificates(Name);
        await using var registry = await FakeRegistry.StartAsync(certs.Server);
        using var fx = Fixture(registry);
        TrustCa(fx, registry, certs);

        using var transport = await fx.Client.ConnectAsync($"{Name}:{registry.Port}", push: false, default);

        Assert.Equal("https", transport.Endpoint.BaseUri.Scheme);
        Assert.False(transport.Endpoint.SkipTlsVerify);
    }

    [Fact]
    public async Task Unknown_ca_is_refused_and_there_is_no_fallback_to_http()
    {
        using var certs = new TestCertificates(Name);
        await using var registry = await FakeRegistry.StartAsync(certs.Server);
        using var fx = Fixture(registry);

        var e = await Assert.ThrowsAsync<RegistryException>(() => fx.Client.ConnectAsync($"{Name}:{registry.Port}", push: false, default));

        Assert.Contains("https://registry.test", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("http://registry.test", e.Message, StringComparison.Ordinal);
        Assert.Empty(registry.Requests);
    }

    [Fact]
    public async Task Certificate_for_another_name_is_refused_even_from_a_trusted_ca()
    {
        using var certs = new TestCertificates("other.test");
        await using var registry = await FakeRegistry.StartAsync(certs.Server);
        using var fx = Fixture(registry);
        TrustCa(fx, registry, certs);

        await Assert.ThrowsAsync<RegistryException>(() => fx.Client.ConnectAsync($"{Name}:{registry.Port}", push: false, default));
        Assert.Empty(registry.Requests);
    }

    [Fact]
    public async Task Client_certificate_from_certs_d_is_presented_for_mutual_tls()
    {
        using var certs = new TestCertificates(Name);
        await using var registry = await FakeRegistry.StartAsync(certs.Server, certs.IssuedByCa);
        using var fx = Fixture(registry);
        TrustCa(fx, registry, certs);

        await Assert.ThrowsAsync<RegistryException>(() => fx.Client.ConnectAsync($"{Name}:{registry.Port}", push: false, default));

        var dir = Path.Combine(fx.Options.CertsDirectory, $"{Name}:{registry.Port}");
        File.WriteAllText(Path.Combine(dir, "client.cert"), TestCertificates.Pem(certs.Client));
        File.WriteAllText(Path.Combine(dir, "client.key"), TestCertificates.KeyPem(certs.Client));
        using var fresh = await new RegistryClient(fx.Options).ConnectAsync($"{Name}:{registry.Port}", push: false, default);
        Assert.Equal("https", fresh.Endpoint.BaseUri.Scheme);
    }

    [Fact]
    public async Task Plain_http_registry_is_reached_only_when_listed_insecure()
    {
        await using var registry = await FakeRegistry.StartAsync();
        using (var secure = Fixture(registry))
            await Assert.ThrowsAsync<RegistryException>(() => secure.Client.ConnectAsync($"{Name}:{registry.Port}", push: false, default));
        Assert.Empty(registry.Requests);

        using var insecure = Fixture(registry, $"{Name}:{registry.Port}");
        using var transport = await insecure.Client.ConnectAsync($"{Name}:{registry.Port}", push: false, default);
        Assert.Equal("http", transport.Endpoint.BaseUri.Scheme);
    }

    [Fact]
    public void Insecure_list_matches_host_port_and_cidr_and_always_loopback()
    {
        var list = new InsecureRegistries(["myreg.example:5000", "10.1.0.0/16"]);
        Assert.True(list.IsInsecure("myreg.example:5000"));
        Assert.False(list.IsInsecure("myreg.example:5001"));
        Assert.True(list.IsInsecure("10.1.2.3:443"));
        Assert.False(list.IsInsecure("10.2.0.1:443"));
        Assert.True(list.IsInsecure("127.0.0.5:5000"));
        Assert.True(list.IsInsecure("[::1]:5000"));
        Assert.False(list.IsInsecure("registry-1.docker.io"));
    }
}
