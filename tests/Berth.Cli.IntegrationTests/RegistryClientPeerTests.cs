using System.Text.Json.Nodes;
using Berth.Images.Oci;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// berth login/push/pull/logout against a real registry (Debian's docker-registry, distribution 2.8)
/// on loopback: htpasswd auth over plain HTTP (loopback is insecure, as docker treats it), TLS from
/// a CA made in the test, and a two-platform OCI index.
/// </summary>
public sealed class RegistryClientPeerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-peer-test-").FullName;
    private readonly Dictionary<string, string> _env;

    public RegistryClientPeerTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "certs.d"));
        _env = new Dictionary<string, string>
        {
            ["DOCKER_CONFIG"] = Path.Combine(_dir, "docker"),
            ["BERTH_CERTS_D"] = Path.Combine(_dir, "certs.d"),
            ["BERTH_DAEMON_CONFIG"] = Path.Combine(_dir, "daemon.json"),
        };
    }

    private string Root(string name) => Path.Combine(_dir, name);

    private (int Code, string Out, string Err) Berth(string? stdin, params string[] args) => RegistryClientPeer.Berth(_env, stdin, args);

    private static (int Code, string Out, string Err) Ok((int Code, string Out, string Err) r)
    {
        Assert.True(r.Code == 0, $"exit {r.Code}\nstdout: {r.Out}\nstderr: {r.Err}");
        return r;
    }

    [Fact]
    public void Login_push_pull_and_logout_with_htpasswd_auth()
    {
        using var registry = RegistryClientPeer.Start(htpasswd: RegistryClientPeer.Htpasswd("alice", "s3cret"));
        var name = $"{registry.Authority}/test/busybox:v1";
        BusyboxImage.Seed(Root("a"), name, new ExecutionConfig { Cmd = ["sh"] });

        var denied = Berth(null, "--root", Root("a"), "push", name);
        Assert.Equal(1, denied.Code);
        Assert.Contains("unauthorized", denied.Err, StringComparison.OrdinalIgnoreCase);

        var wrong = Berth("nope\n", "login", "-u", "alice", "--password-stdin", registry.Authority);
        Assert.Equal(1, wrong.Code);
        Assert.False(File.Exists(Path.Combine(_env["DOCKER_CONFIG"], "config.json")) && File.ReadAllText(Path.Combine(_env["DOCKER_CONFIG"], "config.json")).Contains(registry.Authority, StringComparison.Ordinal));

        var login = Ok(Berth("s3cret\n", "login", "-u", "alice", "--password-stdin", registry.Authority));
        Assert.Equal("Login Succeeded\n", login.Out);
        var config = Path.Combine(_env["DOCKER_CONFIG"], "config.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal("YWxpY2U6czNjcmV0", (string?)JsonNode.Parse(File.ReadAllText(config))!["auths"]![registry.Authority]!["auth"]);

        var push = Ok(Berth(null, "--root", Root("a"), "push", name));
        Assert.StartsWith($"The push refers to repository [{registry.Authority}/test/busybox]\n", push.Out, StringComparison.Ordinal);
        Assert.Equal(2, push.Out.Split('\n').Count(l => l.EndsWith(": Pushed", StringComparison.Ordinal)));
        var tagLine = push.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Matches(@"^v1: digest: sha256:[0-9a-f]{64} size: \d+$", tagLine);
        var digest = tagLine.Split(' ')[2];

        var again = Ok(Berth(null, "--root", Root("a"), "push", name));
        Assert.Equal(2, again.Out.Split('\n').Count(l => l.EndsWith(": Layer already exists", StringComparison.Ordinal)));

        var other = $"{registry.Authority}/other/busybox:v1";
        Ok(Berth(null, "--root", Root("a"), "tag", name, other));
        var mounted = Ok(Berth(null, "--root", Root("a"), "push", other));
        Assert.Equal(2, mounted.Out.Split('\n').Count(l => l.EndsWith(": Mounted from test/busybox", StringComparison.Ordinal)));

        var pull = Ok(Berth(null, "--root", Root("b"), "pull", name));
        Assert.StartsWith("v1: Pulling from test/busybox\n", pull.Out, StringComparison.Ordinal);
        Assert.Contains($"Digest: {digest}\n", pull.Out, StringComparison.Ordinal);
        Assert.Contains($"Status: Downloaded newer image for {name}\n", pull.Out, StringComparison.Ordinal);
        Assert.EndsWith($"\n{name}\n", pull.Out, StringComparison.Ordinal);
        var list = Ok(Berth(null, "--root", Root("b"), "image", "ls"));
        Assert.Contains($"{registry.Authority}/test/busybox", list.Out, StringComparison.Ordinal);

        var upToDate = Ok(Berth(null, "--root", Root("b"), "pull", name));
        Assert.Contains($"Status: Image is up to date for {name}\n", upToDate.Out, StringComparison.Ordinal);

        var logout = Ok(Berth(null, "logout", registry.Authority));
        Assert.Equal($"Removing login credentials for {registry.Authority}\n", logout.Out);
        var anonymous = Berth(null, "--root", Root("c"), "pull", name);
        Assert.Equal(1, anonymous.Code);
    }

    [Fact]
    public void Push_and_pull_over_tls_trusting_a_ca_from_certs_d()
    {
        const string host = "registry.test";
        using var ca = new RegistryClientTestCa(host);
        using var registry = RegistryClientPeer.Start(tls: ca.Server, host: host);
        _env["BERTH_REGISTRY_RESOLVE"] = $"{registry.Authority}=127.0.0.1:{registry.Port}";
        var name = $"{registry.Authority}/tls/busybox:v1";
        BusyboxImage.Seed(Root("a"), name, new ExecutionConfig { Cmd = ["sh"] });

        var untrusted = Berth(null, "--root", Root("a"), "push", name);
        Assert.Equal(1, untrusted.Code);
        Assert.Contains("https://registry.test", untrusted.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("http://registry.test", untrusted.Err, StringComparison.Ordinal);

        var certs = Path.Combine(_env["BERTH_CERTS_D"], registry.Authority);
        Directory.CreateDirectory(certs);
        File.WriteAllText(Path.Combine(certs, "ca.crt"), ca.Ca.ExportCertificatePem());
        Ok(Berth(null, "--root", Root("a"), "push", name));
        var pull = Ok(Berth(null, "--root", Root("b"), "pull", name));
        Assert.Contains($"Status: Downloaded newer image for {name}\n", pull.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_platform_index_is_pushed_whole_and_pulled_for_the_requested_platform()
    {
        using var registry = RegistryClientPeer.Start();
        var name = $"{registry.Authority}/multi/app:v1";
        PushTestImages.SeedTwoPlatformIndex(Root("a"), name);

        var push = Ok(Berth(null, "--root", Root("a"), "push", name));
        var size = int.Parse(push.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);

        var arm = Ok(Berth(null, "--root", Root("arm"), "pull", "--platform", "linux/arm64", name));
        Assert.Contains("Status: Downloaded newer image", arm.Out, StringComparison.Ordinal);
        var armInspect = Ok(Berth(null, "--root", Root("arm"), "image", "inspect", name));
        Assert.Contains("\"Architecture\": \"arm64\"", armInspect.Out, StringComparison.Ordinal);

        var amd = Ok(Berth(null, "--root", Root("amd"), "pull", "--platform", "linux/amd64", name));
        var amdInspect = Ok(Berth(null, "--root", Root("amd"), "image", "inspect", name));
        Assert.Contains("\"Architecture\": \"amd64\"", amdInspect.Out, StringComparison.Ordinal);
        Assert.True(size > 0);
        Assert.NotEqual(arm.Out, amd.Out);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }
}
