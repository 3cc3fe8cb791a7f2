using System.Buffers.Binary;
using System.Text;
using Berth.Linux;
using Berth.Runtime.Init;

namespace Berth.Runtime.Tests.Init;

public sealed class InitPipeTests : IDisposable
{
    private readonly SocketPair _pair = new();

    public void Dispose() => _pair.Dispose();

    [Fact]
    public void Message_arrives_with_its_type_and_payload()
    {
        _pair.Parent.Send(InitPipe.MsgConfig, [1, 2, 3]);

        var msg = _pair.Child.Receive();

        Assert.NotNull(msg);
        Assert.Equal(InitPipe.MsgConfig, msg.Value.Type);
        Assert.Equal([1, 2, 3], msg.Value.Payload);
    }

    [Fact]
    public void Message_without_payload_arrives_empty()
    {
        _pair.Child.Send(InitPipe.MsgHooks);

        var msg = _pair.Parent.Receive();

        Assert.Equal(InitPipe.MsgHooks, msg!.Value.Type);
        Assert.Empty(msg.Value.Payload);
    }

    [Fact]
    public void Text_is_sent_as_utf8()
    {
        _pair.Child.SendText(InitPipe.MsgError, "mount proc on /proc: permission denied — é");

        var msg = _pair.Parent.Receive();

        Assert.Equal("mount proc on /proc: permission denied — é", Encoding.UTF8.GetString(msg!.Value.Payload));
    }

    [Fact]
    public void Frame_is_a_little_endian_type_and_length_then_the_payload()
    {
        _pair.Parent.SendU32(InitPipe.BootCloneFlags, 0x20020000);

        Assert.Equal(
            [0x02, 0, 0, 0, 0x04, 0, 0, 0, 0x00, 0x00, 0x02, 0x20],
            _pair.DrainChild());
    }

    [Fact]
    public void Messages_keep_their_order_and_boundaries()
    {
        _pair.Parent.SendText(1, "a");
        _pair.Parent.Send(2);
        _pair.Parent.SendText(3, "bcd");

        Assert.Equal((1u, "a"), Text(_pair.Child.Receive()));
        Assert.Equal((2u, ""), Text(_pair.Child.Receive()));
        Assert.Equal((3u, "bcd"), Text(_pair.Child.Receive()));
    }

    [Fact]
    public async Task Payload_larger_than_the_socket_buffer_arrives_whole()
    {
        var big = Enumerable.Range(0, 4 << 20).Select(i => (byte)i).ToArray();
        var receiver = Task.Run(_pair.Child.Receive);

        _pair.Parent.Send(InitPipe.MsgConfig, big);
        var msg = await receiver.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(big, msg!.Value.Payload);
    }

    [Fact]
    public void Receive_returns_null_when_the_other_end_closed_between_messages()
    {
        _pair.Parent.Send(InitPipe.MsgReady);
        _pair.ParentFd.Dispose();

        Assert.NotNull(_pair.Child.Receive());
        Assert.Null(_pair.Child.Receive());
    }

    [Fact]
    public void Message_cut_inside_its_payload_is_reported_as_truncated()
    {
        WriteRaw(Header(InitPipe.MsgConfig, 10), [1, 2, 3]);
        _pair.ParentFd.Dispose();

        var e = Assert.Throws<RuntimeException>(() => _pair.Child.Receive());

        Assert.Equal("init pipe: truncated message", e.Message);
    }

    [Fact]
    public void Message_cut_before_its_payload_is_reported_as_truncated()
    {
        WriteRaw(Header(InitPipe.MsgConfig, 10));
        _pair.ParentFd.Dispose();

        var e = Assert.Throws<RuntimeException>(() => _pair.Child.Receive());

        Assert.Equal("init pipe: truncated message", e.Message);
    }

    [Fact]
    public void Message_cut_inside_its_header_is_reported_as_truncated()
    {
        WriteRaw(Header(InitPipe.MsgConfig, 10)[..5]);
        _pair.ParentFd.Dispose();

        var e = Assert.Throws<RuntimeException>(() => _pair.Child.Receive());

        Assert.Equal("init pipe: truncated message", e.Message);
    }

    [Fact]
    public void Length_above_16_MiB_is_refused_without_reading_it()
    {
        WriteRaw(Header(InitPipe.MsgConfig, (16 << 20) + 1));

        var e = Assert.Throws<RuntimeException>(() => _pair.Child.Receive());

        Assert.Equal("init pipe: message of 16777217 bytes is too large", e.Message);
    }

    [Fact]
    public void Errors_name_the_pipe_they_were_given()
    {
        var log = new InitPipe(_pair.ChildFd.Value, "log pipe");
        WriteRaw(Header(1, 4));
        _pair.ParentFd.Dispose();

        var e = Assert.Throws<RuntimeException>(() => log.Receive());

        Assert.StartsWith("log pipe: ", e.Message);
    }

    private static (uint, string) Text((uint Type, byte[] Payload)? msg) =>
        (msg!.Value.Type, Encoding.UTF8.GetString(msg.Value.Payload));

    private static byte[] Header(uint type, uint len)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), len);
        return h;
    }

    private void WriteRaw(params byte[][] parts)
    {
        foreach (var p in parts)
            Sys.Write(_pair.ParentFd.Value, p, "test");
    }
}
