using System.Text;
using Berth.Distribution.Client;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Pull;
using Berth.Distribution.Client.Transport;
using Berth.Distribution.Tests.Client.Fakes;
using Berth.Images.Oci;
using Berth.Images.References;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Tests.Client;

public sealed class AuthTests
{
    private static readonly RegistryCredential s_alice = new("alice", "s3cret");
    private static readonly string s_aliceBasic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret"));

    /// <summary>A registry that wants a bearer token from <paramref name="realm"/>, which issues "tok-N" per request.</summary>
    private static void RequireBearer(FakeRegistry registry, FakeRegistry realm, Func<HttpContext, Task<bool>>? realmBehaviour = null, int expiresIn = 300)
    {
        registry.Challenge = $"Bearer realm=\"{realm.BaseUri}token\",service=\"fake\"";
        var issued = 0;
        realm.Intercept = async ctx =>
        {
            if (realmBehaviour is not null && await realmBehaviour(ctx))
                return true;
            var n = Interlocked.Increment(ref issued);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync($"{{\"token\":\"tok-{n}\",\"expires_in\":{expiresIn}}}");
            return true;
        };
        registry.Intercept = ctx =>
        {
            var auth = ctx.Request.Headers.Authorization.ToString();
            if (auth.StartsWith("Bearer tok-", StringComparison.Ordinal))
                return Task.FromResult(false);
            ctx.Response.StatusCode = 401;
            ctx.Response.Headers.WWWAuthenticate = registry.Challenge + (ctx.Request.Path.Value!.Length > 4 ? ",scope=\"repository:app:pull\"" : "");
            return Task.FromResult(true);
        };
    }

    [Fact]
    public void Challenge_parameters_are_parsed_with_quotes_and_commas()
    {
        var challenges = AuthChallenge.Parse(["Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\""]);
        var c = Assert.Single(challenges);
        Assert.True(c.IsBearer);
        Assert.Equal("https://auth.example/token", c["realm"]);
        Assert.Equal("registry.example", c["service"]);
        Assert.Equal("repository:a/b:pull,push", c["scope"]);
    }

    [Fact]
    public async Task Token_is_fetched_with_basic_credentials_by_get_and_sent_as_bearer()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var realm = await FakeRegistry.StartAsync();
        // No OAuth2 endpoint: POST is answered 404, and the client falls back to GET (containerd's behaviour).
        RequireBearer(registry, realm, ctx =>
        {
            if (ctx.Request.Method != "POST")
                return Task.FromResult(false);
            ctx.Response.StatusCode = 404;
            return Task.FromResult(true);
        });
        TestImage.Create().ServeFrom(registry, "app");
        using var fx = new ClientFixture(s_alice);

        await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{registry.Authority}/app"), PlatformMatcher.Default, default);

        var tokenRequests = realm.Requests.ToList();
        Assert.Equal("POST", tokenRequests[0].Method);
        var get = tokenRequests.First(r => r.Method == "GET");
        Assert.Equal(s_aliceBasic, get.Authorization);
        Assert.Contains("scope=repository%3Aapp%3Apull", get.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("service=fake", get.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains(registry.Requests, r => r.Authorization.StartsWith("Bearer tok-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Password_grant_is_posted_as_an_oauth2_form()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var realm = await FakeRegistry.StartAsync();
        string form = "";
        RequireBearer(registry, realm, async ctx =>
        {
            if (ctx.Request.Method == "POST")
                form = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            return false;
        });
        TestImage.Create().ServeFrom(registry, "app");
        using var fx = new ClientFixture(s_alice);

        await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{registry.Authority}/app"), PlatformMatcher.Default, default);

        Assert.Contains("grant_type=password", form, StringComparison.Ordinal);
        Assert.Contains("username=alice", form, StringComparison.Ordinal);
        Assert.DoesNotContain(realm.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task Token_is_cached_per_scope_until_it_expires()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var realm = await FakeRegistry.StartAsync();
        RequireBearer(registry, realm, expiresIn: 60);
        var image = TestImage.Create(layers: 3);
        image.ServeFrom(registry, "app");
        var clock = new ManualClock();
        using var fx = new ClientFixture(configure: o => o with { Clock = clock });
        using var transport = await fx.Client.ConnectAsync(registry.Authority, push: false, default);
        var repository = new RegistryRepository(transport, "app");

        foreach (var layer in image.Layers)
            Assert.NotNull(await repository.StatBlobAsync(layer.Descriptor.Digest, repository.PullScope, default));
        Assert.Single(realm.Requests);

        clock.Now += TimeSpan.FromSeconds(61);
        Assert.NotNull(await repository.StatBlobAsync(image.Layers[0].Descriptor.Digest, repository.PullScope, default));
        Assert.Equal(2, realm.Requests.Count);
    }

    [Fact]
    public async Task Credentials_are_not_sent_on_a_redirect_to_another_host()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var storage = await FakeRegistry.StartAsync();
        var image = TestImage.Create(layers: 1);
        image.ServeFrom(registry, "app");
        var layer = image.Layers[0];
        storage.PutBlob("app", layer.Bytes);
        registry.RequiredAuthorization = s_aliceBasic;
        registry.Intercept = ctx =>
        {
            if (ctx.Request.Method != "GET" || !ctx.Request.Path.Value!.EndsWith("/blobs/" + layer.Descriptor.Digest, StringComparison.Ordinal)
                || ctx.Request.Headers.Authorization != s_aliceBasic)
                return Task.FromResult(false);
            ctx.Response.StatusCode = 307;
            ctx.Response.Headers.Location = $"{storage.BaseUri}v2/app/blobs/{layer.Descriptor.Digest}";
            return Task.FromResult(true);
        };
        using var fx = new ClientFixture(s_alice);

        await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{registry.Authority}/app"), PlatformMatcher.Default, default);

        Assert.Contains(registry.Requests, r => r.Authorization == s_aliceBasic);
        var redirected = Assert.Single(storage.Requests);
        Assert.Equal("", redirected.Authorization);
        Assert.True(fx.Store.Content.Exists(layer.Descriptor.Digest));
    }

    [Fact]
    public async Task Foreign_layer_urls_are_fetched_without_credentials()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var foreign = await FakeRegistry.StartAsync();
        var image = TestImage.Create(layers: 1);
        var layer = image.Layers[0];
        var url = $"{foreign.BaseUri}v2/x/blobs/{layer.Descriptor.Digest}";
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciManifest,
            Config = image.Config.Descriptor,
            Layers = [layer.Descriptor with { MediaType = MediaTypes.OciLayerNondistributableGzip, Urls = [url] }],
        };
        registry.PutBlob("app", image.Config.Bytes);
        registry.PutManifest("app", "latest", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest), MediaTypes.OciManifest);
        foreign.PutBlob("x", layer.Bytes);
        registry.RequiredAuthorization = s_aliceBasic;
        // The foreign host also challenges, to tempt the client into answering with the registry's credentials.
        foreign.RequiredAuthorization = s_aliceBasic;
        foreign.Intercept = ctx =>
        {
            if (ctx.Request.Headers.Authorization.Count > 0)
                return Task.FromResult(false);
            ctx.Response.ContentLength = layer.Bytes.Length;
            return ctx.Response.Body.WriteAsync(layer.Bytes).AsTask().ContinueWith(_ => true);
        };
        using var fx = new ClientFixture(s_alice);

        await new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{registry.Authority}/app"), PlatformMatcher.Default, default);

        Assert.NotEmpty(foreign.Requests);
        Assert.All(foreign.Requests, r => Assert.Equal("", r.Authorization));
        Assert.True(fx.Store.Content.Exists(layer.Descriptor.Digest));
    }

    [Theory]
    [InlineData("http://auth.example/token", "must use https")]
    [InlineData("https://127.0.0.1/token", "is a loopback address")]
    [InlineData("https://169.254.169.254/latest/meta-data", "is a link-local address")]
    [InlineData("https://[::1]:8443/token", "is a loopback address")]
    public void Realm_is_refused_for_a_secure_registry(string realm, string why)
    {
        var endpoint = new RegistryEndpoint(new Uri("https://registry.example/"), SkipTlsVerify: false, IsMirror: false, Insecure: false);
        var e = Assert.Throws<RegistryAuthException>(() => RealmPolicy.Check(realm, endpoint));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Realm_may_be_plain_http_and_loopback_for_an_insecure_loopback_registry()
    {
        var endpoint = new RegistryEndpoint(new Uri("http://127.0.0.1:5000/"), SkipTlsVerify: false, IsMirror: false, Insecure: true);
        Assert.Equal("http://127.0.0.1:5001/token", RealmPolicy.Check("http://127.0.0.1:5001/token", endpoint).ToString());
    }

    [Fact]
    public async Task A_challenge_naming_a_forbidden_realm_fails_before_any_token_request()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var realm = await FakeRegistry.StartAsync();
        registry.RequiredAuthorization = "never";
        // A loopback registry may name a loopback realm, never a link-local one (a cloud metadata service).
        registry.Challenge = "Bearer realm=\"http://169.254.169.254/token\",service=\"x\"";
        using var fx = new ClientFixture(s_alice);

        var e = await Assert.ThrowsAsync<RegistryAuthException>(() =>
            new ImagePuller(fx.Store, fx.Client).PullAsync(ImageReference.Parse($"{registry.Authority}/app"), PlatformMatcher.Default, default));
        Assert.Contains("token realm http://169.254.169.254/token is a link-local address", e.Message, StringComparison.Ordinal);
        Assert.Empty(realm.Requests);
    }
}
