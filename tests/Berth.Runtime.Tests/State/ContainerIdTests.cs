using Berth.Runtime.State;

namespace Berth.Runtime.Tests.State;

/// <summary>runc's rule: <c>^[\w+\-\.]+$</c> (ASCII \w, as in Go), at most 1024 characters, not "." or "..".</summary>
public sealed class ContainerIdTests
{
    [Theory]
    [InlineData("c1")]
    [InlineData("A-b_c.d+e")]
    [InlineData("0123456789")]
    [InlineData("...")]
    [InlineData(".hidden")]
    public void Id_of_word_characters_plus_minus_and_dot_is_accepted(string id)
    {
        ContainerId.Validate(id);
    }

    [Fact]
    public void Empty_id_is_refused()
    {
        var e = Assert.Throws<RuntimeException>(() => ContainerId.Validate(""));

        Assert.Equal("container id cannot be empty", e.Message);
    }

    [Fact]
    public void Id_with_a_slash_is_refused()
    {
        var e = Assert.Throws<RuntimeException>(() => ContainerId.Validate("a/b"));

        Assert.Equal("invalid container id format: a/b", e.Message);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void Dot_and_dot_dot_are_refused(string id)
    {
        var e = Assert.Throws<RuntimeException>(() => ContainerId.Validate(id));

        Assert.Equal($"invalid container id format: {id}", e.Message);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("a\\b")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("a*")]
    [InlineData("../x")]
    public void Id_with_a_character_outside_the_set_is_refused(string id)
    {
        Assert.Throws<RuntimeException>(() => ContainerId.Validate(id));
    }

    [Theory]
    [InlineData("caf\u00e9")]
    [InlineData("\u0662")]
    [InlineData("\uff21")]
    public void Non_ascii_letters_and_digits_are_refused(string id)
    {
        Assert.Throws<RuntimeException>(() => ContainerId.Validate(id));
    }

    [Fact]
    public void Id_of_1024_characters_is_accepted()
    {
        ContainerId.Validate(new string('a', 1024));
    }

    [Fact]
    public void Id_longer_than_1024_characters_is_refused()
    {
        var e = Assert.Throws<RuntimeException>(() => ContainerId.Validate(new string('a', 1025)));

        Assert.Contains("longer than 1024", e.Message);
    }
}
