using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Berth.Images.Oci;
using Berth.Images.Store;

namespace Berth.Cli.Commands;

/// <summary>image inspect: a JSON array with one object per image, in docker's field names.</summary>
public static class ImageInspectCommand
{
    public static Command Build(string name)
    {
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command(name, "display detailed information on one or more images") { images };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var found = p.GetValue(images)!.Select(store.Find).ToList();
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 4, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartArray();
                foreach (var record in found)
                    Write(w, store, record);
                w.WriteEndArray();
            }
            Console.Out.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
            return 0;
        }));
        return cmd;
    }

    private static void Write(Utf8JsonWriter w, ImageStore store, Images.Metadata.ImageRecord record)
    {
        var image = store.Resolve(record);
        var summary = store.Summarize(record);
        var names = store.List().Where(r => store.IdOf(r) == image.Id).Select(r => ImageStore.Familiar(r.Name)).ToList();
        var config = image.Config;
        w.WriteStartObject();
        w.WriteString("Id", image.Id.ToString());
        WriteStrings(w, "RepoTags", names);
        WriteStrings(w, "RepoDigests", []);
        w.WriteString("Created", config.Created?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture) ?? "");
        w.WriteString("Author", config.Author ?? "");
        w.WritePropertyName("Config");
        WriteExecutionConfig(w, config.Config);
        w.WriteString("Architecture", config.Architecture);
        if (config.Variant is { } v)
            w.WriteString("Variant", v);
        w.WriteString("Os", config.OS);
        w.WriteNumber("Size", summary.Size);
        w.WriteStartObject("RootFS");
        w.WriteString("Type", "layers");
        WriteStrings(w, "Layers", image.DiffIds.Select(d => d.ToString()));
        w.WriteEndObject();
        w.WriteStartObject("Descriptor");
        w.WriteString("mediaType", image.Manifest.MediaType);
        w.WriteString("digest", image.Manifest.Digest.ToString());
        w.WriteNumber("size", image.Manifest.Size);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteExecutionConfig(Utf8JsonWriter w, ExecutionConfig? c)
    {
        w.WriteStartObject();
        w.WriteString("User", c?.User ?? "");
        WriteStrings(w, "Env", c?.Env);
        WriteStrings(w, "Entrypoint", c?.Entrypoint);
        WriteStrings(w, "Cmd", c?.Cmd);
        w.WriteString("WorkingDir", c?.WorkingDir ?? "");
        w.WriteStartObject("Labels");
        foreach (var (k, val) in c?.Labels ?? new Dictionary<string, string>())
            w.WriteString(k, val);
        w.WriteEndObject();
        if (c?.StopSignal is { } s)
            w.WriteString("StopSignal", s);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string>? values)
    {
        if (values is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartArray(name);
        foreach (var v in values)
            w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
