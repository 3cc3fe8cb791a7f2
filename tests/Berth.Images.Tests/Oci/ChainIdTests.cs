using System.Security.Cryptography;
using System.Text;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Tests.Oci;

public class ChainIdTests
{
    private static readonly Digest L0 = Digest.Compute("layer0"u8);
    private static readonly Digest L1 = Digest.Compute("layer1"u8);
    private static readonly Digest L2 = Digest.Compute("layer2"u8);

    private static string Sha256Of(string s) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(s)));

    [Fact]
    public void Chain_id_of_one_layer_is_its_diff_id()
    {
        Assert.Equal(L0, ChainId.Of([L0]));
    }

    [Fact]
    public void Chain_id_of_a_stack_hashes_the_parent_chain_id_a_space_and_the_diff_id()
    {
        var c1 = Sha256Of($"{L0} {L1}");
        var c2 = Sha256Of($"{c1} {L2}");
        Assert.Equal([L0.ToString(), c1, c2], ChainId.Chain([L0, L1, L2]).Select(d => d.ToString()));
        Assert.Equal(c2, ChainId.Of([L0, L1, L2]).ToString());
    }

    [Fact]
    public void Chain_id_of_no_layers_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => ChainId.Of([]));
    }
}
