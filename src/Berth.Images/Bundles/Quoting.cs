using System.Globalization;
using System.Text;

namespace Berth.Images.Bundles;

/// <summary>Values from an untrusted image shown in messages: quoted, control characters escaped, length capped.</summary>
internal static class Quoting
{
    private const int MaxLength = 256;

    public static string Quote(string value)
    {
        var shown = value.Length > MaxLength ? value[..MaxLength] : value;
        var sb = new StringBuilder("\"");
        foreach (var c in shown)
        {
            _ = c switch
            {
                '"' or '\\' => sb.Append('\\').Append(c),
                < ' ' or '\x7f' => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => sb.Append(c),
            };
        }
        if (shown.Length < value.Length)
            sb.Append("...");
        return sb.Append('"').ToString();
    }
}
