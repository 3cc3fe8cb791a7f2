using System.Text;
using System.Text.Json.Nodes;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Credentials;
using Berth.Distribution.Tests.Client.Fakes;

namespace Berth.Distribution.Tests.Client;

public sealed class CredentialTests
{
    [Fact]
    public void Login_is_stored_as_docker_stores_it_in_a_0600_file_keeping_other_fields()
    {
        using var dir = new TempDir();
        var path = dir.Combine("config.json");
        File.WriteAllText(path, """{"psFormat":"table {{.ID}}","auths":{"other.example":{"auth":"eDp5"}}}""");
        var store = new DockerCredentialStore(path);

        store.Store("127.0.0.1:5000", new RegistryCredential("alice", "s3cret"));

        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("table {{.ID}}", (string?)json["psFormat"]);
        Assert.Equal("eDp5", (string?)json["auths"]!["other.example"]!["auth"]);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret")), (string?)json["auths"]!["127.0.0.1:5000"]!["auth"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(new RegistryCredential("alice", "s3cret"), store.Get("127.0.0.1:5000"));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Docker_hub_login_is_found_under_its_legacy_key_and_erased()
    {
        using var dir = new TempDir();
        var path = dir.Combine("config.json");
        File.WriteAllText(path, """{"auths":{"https://index.docker.io/v1/":{"auth":"Ym9iOnB3","identitytoken":"refresh-1"}}}""");
        var store = new DockerCredentialStore(path);

        var found = store.Get(ServerAddress.ForDomain("docker.io"));

        Assert.Equal(new RegistryCredential("bob", "pw", "refresh-1"), found);
        Assert.True(store.Erase(ServerAddress.Normalize(null)));
        Assert.Null(store.Get(ServerAddress.DockerHub));
        Assert.False(store.Erase(ServerAddress.DockerHub));
    }

    [Fact]
    public void Credential_helper_is_spoken_to_on_stdin_and_stdout()
    {
        using var dir = new TempDir();
        var log = dir.Combine("helper.log");
        var helper = dir.Combine("docker-credential-fake");
        File.WriteAllText(helper, $$"""
            #!/bin/sh
            input=$(cat)
            echo "$1 $input" >> {{log}}
            case "$1" in
              get) [ "$input" = "reg.example" ] && echo '{"ServerURL":"reg.example","Username":"carol","Secret":"pw2"}' || { echo "credentials not found in native keychain"; exit 1; } ;;
              store|erase) exit 0 ;;
            esac
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(helper, (UnixFileMode)0x1ED);
        var path = dir.Combine("config.json");
        File.WriteAllText(path, """{"credHelpers":{"reg.example":"fake"},"credsStore":"fake"}""");
        var store = new DockerCredentialStore(path, dir.Path);

        Assert.Equal(new RegistryCredential("carol", "pw2"), store.Get("reg.example"));
        Assert.Null(store.Get("unknown.example"));
        store.Store("reg.example", new RegistryCredential("carol", "pw3"));
        Assert.True(store.Erase("reg.example"));

        var lines = File.ReadAllLines(log);
        Assert.Equal("get reg.example", lines[0]);
        Assert.Equal("""store {"ServerURL":"reg.example","Username":"carol","Secret":"pw3"}""", lines[2]);
        Assert.Equal("erase reg.example", lines[3]);
        Assert.DoesNotContain("pw3", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "https://index.docker.io/v1/")]
    [InlineData("docker.io", "https://index.docker.io/v1/")]
    [InlineData("https://index.docker.io/v1/", "https://index.docker.io/v1/")]
    [InlineData("localhost:5000", "localhost:5000")]
    [InlineData("https://registry.example/v2/", "registry.example")]
    public void Server_addresses_normalize_as_docker_login_does(string? typed, string key) =>
        Assert.Equal(key, ServerAddress.Normalize(typed));
}
