using System.CommandLine;
using System.Text.Json;
using Berth.Cli.Output;
using Berth.Images.References;

namespace Berth.Cli.Commands;

/// <summary>image ls: docker's columns (REPOSITORY TAG IMAGE ID CREATED SIZE), or one JSON object per line.</summary>
public static class ImageListCommand
{
    public static Command Build(string name, string description, params string[] aliases)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "only show image IDs" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "don't truncate output" };
        var format = new Option<string?>("--format") { Description = "\"table\" (default) or \"json\"" };
        var cmd = new Command(name, description) { quiet, noTrunc, format };
        foreach (var a in aliases)
            cmd.Aliases.Add(a);
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var rows = store.List().Select(store.Summarize)
                .OrderByDescending(r => r.Created ?? DateTimeOffset.MinValue).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
            var full = p.GetValue(noTrunc);
            string Id(Images.Content.Digest d) => full ? d.ToString() : d.Short;
            if (p.GetValue(quiet))
            {
                foreach (var id in rows.Select(r => Id(r.Id)).Distinct())
                    Console.Out.Write(id + "\n");
                return 0;
            }
            if (p.GetValue(format) is "json")
            {
                foreach (var r in rows)
                {
                    var reference = ImageReference.TryParse(r.Name, out var parsed) ? parsed : null;
                    using var buffer = new MemoryStream();
                    using (var w = new Utf8JsonWriter(buffer))
                    {
                        w.WriteStartObject();
                        w.WriteString("Containers", "N/A");
                        w.WriteString("CreatedAt", r.Created?.ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture) ?? "");
                        w.WriteString("CreatedSince", Humanize.Ago(r.Created));
                        w.WriteString("Digest", reference?.Digest?.ToString() ?? "<none>");
                        w.WriteString("ID", Id(r.Id));
                        w.WriteString("Repository", reference?.FamiliarRepository ?? "<none>");
                        w.WriteString("Size", Humanize.Size(r.Size));
                        w.WriteString("Tag", reference?.Tag ?? "<none>");
                        w.WriteEndObject();
                    }
                    Console.Out.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
                }
                return 0;
            }
            var table = new ColumnTable("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
            foreach (var r in rows)
            {
                // An unnamed (loaded or imported without a name) image is kept under its digest: <none>.
                var reference = ImageReference.TryParse(r.Name, out var parsed) ? parsed : null;
                table.Add(reference?.FamiliarRepository ?? "<none>", reference?.Tag ?? "<none>", Id(r.Id), Humanize.Ago(r.Created), Humanize.Size(r.Size));
            }
            table.Write(Console.Out);
            return 0;
        }));
        return cmd;
    }
}
