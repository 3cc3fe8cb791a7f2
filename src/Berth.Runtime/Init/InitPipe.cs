using System.Buffers.Binary;
using System.Text;
using Berth.Linux;

namespace Berth.Runtime.Init;

/// <summary>
/// The framed messages of the init pipe (see native/nsexec/berthnative.h for the whole exchange):
/// a u32 type and a u32 length, little-endian as the C side writes them, then the payload.
/// </summary>
public sealed class InitPipe(int fd, string name = "init pipe")
{
    public const uint BootVersion = 1;
    public const uint BootCloneFlags = 2;
    public const uint BootNsPath = 3;
    public const uint BootUidMap = 4;
    public const uint BootGidMap = 5;
    public const uint BootTimeOffsets = 6;
    public const uint BootDebug = 7;
    public const uint BootCgroupTasks = 8;
    public const uint BootEnd = 15;
    public const uint SyncUserMap = 0x40;
    public const uint SyncUserMapAck = 0x41;
    public const uint SyncPid = 0x42;
    public const uint SyncCgroupAck = 0x43;
    public const uint MsgConfig = 0x50;
    public const uint MsgHooks = 0x51;
    public const uint MsgHooksDone = 0x52;
    public const uint MsgReady = 0x53;
    public const uint MsgError = 0x4f;

    public const uint ProtocolVersion = 1;
    private const int MaxPayload = 16 << 20;

    public int Fd { get; } = fd;

    public void Send(uint type, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)payload.Length);
        var buf = new byte[8 + payload.Length];
        header.CopyTo(buf);
        payload.CopyTo(buf.AsSpan(8));
        Sys.Write(Fd, buf, name);
    }

    public void Send(uint type) => Send(type, []);

    public void SendText(uint type, string text) => Send(type, Encoding.UTF8.GetBytes(text));

    public void SendU32(uint type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Send(type, b);
    }

    /// <summary>Reads one message; null when the other end closed the pipe between messages.</summary>
    public (uint Type, byte[] Payload)? Receive()
    {
        Span<byte> header = stackalloc byte[8];
        var got = ReadFull(header);
        if (got == 0)
            return null;
        if (got < header.Length)
            throw new RuntimeException($"{name}: truncated message");
        var type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var len = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (len > MaxPayload)
            throw new RuntimeException($"{name}: message of {len} bytes is too large");
        var payload = new byte[len];
        if (ReadFull(payload) < payload.Length)
            throw new RuntimeException($"{name}: truncated message");
        return (type, payload);
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the other end is closed; returns the bytes read.</summary>
    private int ReadFull(Span<byte> buffer)
    {
        var off = 0;
        while (off < buffer.Length)
        {
            var n = Sys.Read(Fd, buffer[off..]);
            if (n < 0)
                throw LinuxException.FromLastError("read", name);
            if (n == 0)
                break;
            off += n;
        }
        return off;
    }
}
