using Berth.Images.References;

namespace Berth.Images.Tests.References;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("index.docker.io/library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest")]
    [InlineData("myorg/app:v1", "docker.io/myorg/app:v1")]
    [InlineData("localhost/app", "localhost/app:latest")]
    [InlineData("127.0.0.1:5000/ns/app:v2", "127.0.0.1:5000/ns/app:v2")]
    [InlineData("registry.example.com/a/b/c", "registry.example.com/a/b/c:latest")]
    [InlineData("[::1]:5000/app", "[::1]:5000/app:latest")]
    [InlineData("my-app__x.y", "docker.io/library/my-app__x.y:latest")]
    public void Names_normalize_as_docker_does(string given, string expected)
    {
        Assert.Equal(expected, ImageReference.Parse(given).ToString());
    }

    [Fact]
    public void A_digest_reference_has_no_implied_tag()
    {
        var r = ImageReference.Parse("busybox@sha256:" + new string('a', 64));

        Assert.Null(r.Tag);
        Assert.Equal("docker.io/library/busybox@sha256:" + new string('a', 64), r.ToString());
    }

    [Fact]
    public void Tag_and_digest_together_keep_both()
    {
        var r = ImageReference.Parse("localhost:5000/app:v1@sha256:" + new string('b', 64));

        Assert.Equal("v1", r.Tag);
        Assert.Equal("localhost:5000", r.Domain);
        Assert.Equal("app", r.Path);
    }

    [Theory]
    [InlineData("busybox", "busybox:latest")]
    [InlineData("myorg/app:v1", "myorg/app:v1")]
    [InlineData("docker.io/library/a/b", "library/a/b:latest")]
    [InlineData("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest")]
    public void Familiar_form_is_what_docker_prints(string given, string familiar)
    {
        Assert.Equal(familiar, ImageReference.Parse(given).Familiar);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("BusyBox", "must be lowercase")]
    [InlineData("busybox:", "tag \"\"")]
    [InlineData("busybox:-x", "tag \"-x\"")]
    [InlineData("busybox@sha256:abc", "digest")]
    [InlineData("busybox@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm")]
    [InlineData("a//b", "invalid reference format")]
    [InlineData("a/../b", "invalid reference format")]
    [InlineData("-lead", "invalid reference format")]
    [InlineData("bad_host!:5000/app", "invalid reference format")]
    public void Malformed_references_are_refused_and_say_why(string given, string message)
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse(given));

        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Names_longer_than_255_characters_are_refused()
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse("example.com/" + new string('a', 250)));

        Assert.Contains("255", e.Message);
    }

    [Fact]
    public void WithTag_replaces_tag_and_drops_digest()
    {
        var r = ImageReference.Parse("app@sha256:" + new string('c', 64)).WithTag("v3");

        Assert.Equal("docker.io/library/app:v3", r.ToString());
    }
}
