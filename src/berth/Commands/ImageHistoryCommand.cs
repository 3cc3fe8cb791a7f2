using System.CommandLine;
using Berth.Cli.Output;

namespace Berth.Cli.Commands;

/// <summary>image history: the config's history, newest first, with each layer's size.</summary>
public static class ImageHistoryCommand
{
    public static Command Build(string name)
    {
        var image = new Argument<string>("IMAGE");
        var noTrunc = new Option<bool>("--no-trunc") { Description = "don't truncate output" };
        var cmd = new Command(name, "show the history of an image") { image, noTrunc };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var resolved = store.Resolve(store.Find(p.GetValue(image)!));
            var history = resolved.Config.History ?? [];
            var rows = new List<string[]>();
            var layer = 0;
            foreach (var h in history)
            {
                long size = 0;
                if (h.EmptyLayer != true && layer < resolved.ManifestDocument.Layers.Count)
                    size = resolved.ManifestDocument.Layers[layer++].Size;
                var createdBy = h.CreatedBy ?? "";
                if (!p.GetValue(noTrunc) && createdBy.Length > 45)
                    createdBy = createdBy[..44] + "…";
                rows.Add(["<missing>", Humanize.Ago(h.Created), createdBy, Humanize.Size(size), h.Comment ?? ""]);
            }
            // As docker: the newest step carries the image ID, older ones have no image of their own.
            if (rows.Count > 0)
                rows[^1][0] = resolved.Id.Short;
            var table = new ColumnTable("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
            for (var i = rows.Count - 1; i >= 0; i--)
                table.Add(rows[i]);
            table.Write(Console.Out);
            return 0;
        }));
        return cmd;
    }
}
