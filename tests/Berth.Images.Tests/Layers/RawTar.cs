using System.Text;

namespace Berth.Images.Tests.Layers;

/// <summary>Hand-made tar headers, for what TarWriter will not write (wrong types, out-of-range PAX records).</summary>
internal static class RawTar
{
    public static byte[] Header(string name, char type, long size = 0, string linkName = "")
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes(linkName).CopyTo(h, 157);
        Octal(h, 100, 8, 0x1A4);
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, 1577934245);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0").CopyTo(h, 257);
        Encoding.ASCII.GetBytes("00").CopyTo(h, 263);
        FixChecksum(h, 0);
        return h;
    }

    /// <summary>A regular empty file preceded by a PAX extended header holding exactly these records.</summary>
    public static byte[] PaxFile(string name, params (string Key, string Value)[] records) =>
        PaxFile(name, records.Select(r => (r.Key, Encoding.UTF8.GetBytes(r.Value))).ToArray());

    /// <summary>The same with raw values, as Go's archive/tar writes binary xattrs.</summary>
    public static byte[] PaxFile(string name, params (string Key, byte[] Value)[] records)
    {
        var body = new List<byte>();
        foreach (var (key, value) in records)
        {
            var rest = Encoding.UTF8.GetByteCount($" {key}=\n") + value.Length;
            var len = rest + 1;
            while (len.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + rest != len)
                len++;
            body.AddRange(Encoding.UTF8.GetBytes($"{len} {key}="));
            body.AddRange(value);
            body.Add((byte)'\n');
        }
        var data = body.ToArray();
        return [.. Header("PaxHeaders/" + name, 'x', data.Length), .. Pad(data), .. Header(name, '0'), .. new byte[1024]];
    }

    public static byte[] Pad(byte[] data) => [.. data, .. new byte[(512 - (data.Length % 512)) % 512]];

    public static void FixChecksum(byte[] tar, int header)
    {
        tar.AsSpan(header + 148, 8).Fill((byte)' ');
        var sum = 0;
        for (var i = 0; i < 512; i++)
            sum += tar[header + i];
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, header + 148);
    }

    private static void Octal(byte[] h, int offset, int width, long value) =>
        Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(width - 1, '0') + "\0").CopyTo(h, offset);
}
