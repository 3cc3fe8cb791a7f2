using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Berth.Distribution.Server;
using Berth.Distribution.Server.Auth;

namespace Berth.Distribution.Tests.Server;

public sealed class AuthTests
{
    [Fact]
    public async Task Missing_credentials_are_401_with_a_Basic_challenge_and_UNAUTHORIZED()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic realm=\"berth-registry\"", response.Headers.WwwAuthenticate.Single().ToString());
        Assert.Equal("UNAUTHORIZED", await RegistryHost.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Wrong_password_is_401()
    {
        await using var host = await StartAsync();

        using var response = await SendAsync(host, "/v2/", "alice", "wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_user_is_401()
    {
        await using var host = await StartAsync();

        using var response = await SendAsync(host, "/v2/", "mallory", "secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("alice", "secret")]
    [InlineData("bob", "hunter2")]
    public async Task Right_password_is_let_in_for_every_bcrypt_prefix(string user, string password)
    {
        await using var host = await StartAsync();

        using var first = await SendAsync(host, "/v2/", user, password);
        using var again = await SendAsync(host, "/v2/_catalog", user, password);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Every_endpoint_requires_credentials()
    {
        await using var host = await StartAsync();

        using var upload = await host.Client.PostAsync("/v2/app/blobs/uploads/", null);

        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
    }

    [Fact]
    public void Htpasswd_with_a_non_bcrypt_entry_is_refused_naming_the_line()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $"alice:{BCrypt.Net.BCrypt.HashPassword("x", 4)}\nbob:$apr1$abc$defghijklmnopqrstuvwx\n");

            var error = Assert.Throws<FormatException>(() => HtpasswdFile.Load(file));

            Assert.Equal($"htpasswd {file}:2: user \"bob\": only bcrypt hashes ($2y$, $2a$, $2b$; htpasswd -B) are supported", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Task<RegistryHost> StartAsync() => RegistryHost.StartAsync((root, options) =>
    {
        var file = Path.Combine(root, "htpasswd");
        // htpasswd -B writes $2y$; BCrypt.Net writes $2a$ (same algorithm); cover both.
        var alice = BCrypt.Net.BCrypt.HashPassword("secret", 4).Replace("$2a$", "$2y$", StringComparison.Ordinal);
        var bob = BCrypt.Net.BCrypt.HashPassword("hunter2", 4);
        File.WriteAllText(file, $"# users\nalice:{alice}\nbob:{bob}\n");
        return options with { HtpasswdFile = file };
    });

    private static Task<HttpResponseMessage> SendAsync(RegistryHost host, string path, string user, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return host.Client.SendAsync(request);
    }
}
