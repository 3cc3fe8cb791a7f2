using Berth.Images.Content;

namespace Berth.Images.Tests.Content;

public class DigestTests
{
    [Fact]
    public void Compute_of_empty_input_is_the_well_known_sha256()
    {
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.Compute([]).ToString());
    }

    [Fact]
    public void Parse_round_trips_a_sha512_digest()
    {
        var d = Digest.Compute("x"u8, Digest.Sha512);
        Assert.Equal(d, Digest.Parse(d.ToString()));
        Assert.Equal(128, d.Encoded.Length);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "algorithm:hex")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm \"md5\"")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "64 lowercase hex")]
    [InlineData("sha256:../../etc/passwd", "64 lowercase hex")]
    public void Parse_refuses_malformed_digests_and_says_why(string value, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Digest.Parse(value));
        Assert.Contains(expected, e.Message);
    }
}
