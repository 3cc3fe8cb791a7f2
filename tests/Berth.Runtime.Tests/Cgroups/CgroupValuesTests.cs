using Berth.Runtime.Cgroups;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>The v1 → v2 value conversions, checked against the values runc 1.1 produces.</summary>
public sealed class CgroupValuesTests
{
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(262144UL, 10000UL)]
    public void Cpu_shares_map_linearly_onto_cpu_weight(ulong shares, ulong weight)
    {
        Assert.Equal(weight, CgroupValues.CpuSharesToWeight(shares));
    }

    [Theory]
    [InlineData(0, 0UL)]
    [InlineData(10, 1UL)]
    [InlineData(500, 4950UL)]
    [InlineData(1000, 10000UL)]
    public void Blkio_weight_maps_onto_io_weight(ushort blkio, ulong io)
    {
        Assert.Equal(io, CgroupValues.BlkioWeightToIoWeight(blkio));
    }

    [Theory]
    [InlineData(300L, 100L, 200L)]
    [InlineData(100L, 100L, 0L)]
    [InlineData(-1L, 100L, -1L)]
    [InlineData(0L, 100L, 0L)]
    [InlineData(0L, -1L, -1L)]
    public void Memory_swap_becomes_swap_alone_on_v2(long swap, long limit, long expected)
    {
        Assert.Equal(expected, CgroupValues.MemorySwapToV2(swap, limit, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Memory_swap_below_the_limit_is_refused()
    {
        CgroupValues.MemorySwapToV2(50, 100, out var error);

        Assert.Equal("memory+swap limit 50 must not be lower than the memory limit 100", error);
    }

    [Fact]
    public void Memory_swap_without_a_limit_is_refused()
    {
        CgroupValues.MemorySwapToV2(50, 0, out var error);

        Assert.Equal("cannot set a swap limit without a memory limit", error);
    }

    [Fact]
    public void Max_reads_as_the_largest_number()
    {
        Assert.Equal(ulong.MaxValue, CgroupValues.ParseUInt("max\n"));
    }
}
