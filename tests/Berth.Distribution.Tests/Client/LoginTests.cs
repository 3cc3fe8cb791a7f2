using System.Text;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Login;
using Berth.Distribution.Tests.Client.Fakes;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Tests.Client;

public sealed class LoginTests
{
    /// <summary>A bearer registry whose realm accepts alice's password (and the refresh token it hands out).</summary>
    private static async Task<(FakeRegistry Registry, FakeRegistry Realm, List<string> Forms)> StartAsync()
    {
        var registry = await FakeRegistry.StartAsync();
        var realm = await FakeRegistry.StartAsync();
        var forms = new List<string>();
        registry.Challenge = $"Bearer realm=\"{realm.BaseUri}token\",service=\"fake\"";
        registry.RequiredAuthorization = "Bearer good";
        realm.Intercept = async ctx =>
        {
            var form = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            lock (forms)
                forms.Add(form);
            var ok = form.Contains("password=s3cret", StringComparison.Ordinal) || form.Contains("refresh_token=r1", StringComparison.Ordinal);
            ctx.Response.StatusCode = ok ? 200 : 401;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(ok ? "{\"access_token\":\"good\",\"refresh_token\":\"r1\",\"expires_in\":300}" : "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad password\"}]}");
            return true;
        };
        return (registry, realm, forms);
    }

    [Fact]
    public async Task Login_verifies_the_password_and_keeps_the_refresh_token_as_identity_token()
    {
        var (registry, realm, forms) = await StartAsync();
        await using var r1 = registry;
        await using var r2 = realm;
        using var fx = new ClientFixture();

        var stored = await RegistryLogin.VerifyAsync(fx.Options, registry.Authority, new RegistryCredential("alice", "s3cret"), default);

        Assert.Equal("r1", stored.IdentityToken);
        Assert.Equal("", stored.Password);
        Assert.Contains("grant_type=password", forms[0], StringComparison.Ordinal);

        await RegistryLogin.VerifyAsync(fx.Options, registry.Authority, stored, default);
        Assert.Contains("grant_type=refresh_token", forms[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", forms[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_with_a_wrong_password_fails_with_what_the_realm_said()
    {
        var (registry, realm, _) = await StartAsync();
        await using var r1 = registry;
        await using var r2 = realm;
        using var fx = new ClientFixture();

        var e = await Assert.ThrowsAsync<RegistryAuthException>(() =>
            RegistryLogin.VerifyAsync(fx.Options, registry.Authority, new RegistryCredential("alice", "wrong"), default));
        Assert.Contains("unauthorized: bad password", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_to_a_basic_auth_registry_checks_v2_with_the_credentials()
    {
        await using var registry = await FakeRegistry.StartAsync();
        registry.RequiredAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret"));
        using var fx = new ClientFixture();

        await RegistryLogin.VerifyAsync(fx.Options, registry.Authority, new RegistryCredential("alice", "s3cret"), default);
        var e = await Assert.ThrowsAsync<RegistryAuthException>(() =>
            RegistryLogin.VerifyAsync(fx.Options, registry.Authority, new RegistryCredential("alice", "nope"), default));
        Assert.Contains("401", e.Message, StringComparison.Ordinal);
    }
}
