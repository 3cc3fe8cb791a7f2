using System.Text;

namespace Berth.Cli.Output;

/// <summary>
/// The docker CLI's plain table: an upper-case header row, columns padded to their widest cell
/// plus three spaces (text/tabwriter with padding 3), no borders, so scripts that cut columns
/// out of docker's output work on berth's.
/// </summary>
public sealed class ColumnTable(params string[] headers)
{
    private readonly List<string[]> _rows = [headers];

    public void Add(params string[] cells) => _rows.Add(cells);

    public void Write(TextWriter output)
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);
        }
        var sb = new StringBuilder();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
                sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 3));
            output.Write(sb.Append('\n').ToString());
            sb.Clear();
        }
    }
}
