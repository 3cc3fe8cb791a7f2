using System.IO.Compression;
using System.Security.Cryptography;
using Berth.Images.Layers;

namespace Berth.Images.Tests.Layers;

public sealed class IsalGzipStreamTests
{
    private static byte[] Gzip(params byte[][] members)
    {
        var gz = new MemoryStream();
        foreach (var member in members)
        {
            using var z = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true);
            z.Write(member);
        }
        return gz.ToArray();
    }

    private static byte[] Inflate(byte[] gz, int readSize = 65536)
    {
        using var s = IsalGzipStream.Open(new MemoryStream(gz), leaveOpen: false);
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = s.Read(buffer)) > 0)
            output.Write(buffer, 0, n);
        return output.ToArray();
    }

    [Fact]
    public void Isa_l_is_used_where_libisal2_is_installed()
    {
        // .ci/run installs libisal2; a machine without it decompresses with zlib instead.
        Assert.True(IsalGzipStream.Available, "libisal.so.2 not found or failed its self-test");
        Assert.IsType<IsalGzipStream>(IsalGzipStream.Open(new MemoryStream(Gzip([1])), leaveOpen: false));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Decodes_what_zlib_encoded_whatever_the_read_size(int readSize)
    {
        var data = new byte[3 << 20];
        RandomNumberGenerator.Fill(data.AsSpan(0, 1 << 20));
        for (var i = 1 << 20; i < data.Length; i++)
            data[i] = (byte)(i % 13);

        Assert.Equal(data, Inflate(Gzip(data), readSize));
    }

    [Fact]
    public void Concatenated_members_decode_one_after_the_other_and_what_follows_the_last_is_ignored()
    {
        var a = RandomNumberGenerator.GetBytes(200_000);
        var b = RandomNumberGenerator.GetBytes(50);
        var gz = Gzip(a, b, []).Concat(new byte[512]).ToArray();

        Assert.Equal(a.Concat(b).ToArray(), Inflate(gz));
    }

    [Fact]
    public void A_wrong_crc_is_corrupt_data()
    {
        var gz = Gzip(RandomNumberGenerator.GetBytes(100_000));
        gz[^8] ^= 0xFF;   // the trailer's CRC-32

        var e = Assert.Throws<InvalidDataException>(() => Inflate(gz));
        Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cut_stream_is_an_unexpected_end()
    {
        var gz = Gzip(RandomNumberGenerator.GetBytes(100_000));

        Assert.Throws<EndOfStreamException>(() => Inflate(gz[..(gz.Length / 2)]));
    }

    [Fact]
    public void Garbage_is_corrupt_data()
    {
        var gz = Gzip(RandomNumberGenerator.GetBytes(1000));
        for (var i = 10; i < gz.Length - 8; i++)
            gz[i] = 0xFF;

        Assert.Throws<InvalidDataException>(() => Inflate(gz));
    }
}
