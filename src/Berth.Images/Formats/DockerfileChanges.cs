using System.Text.Json;

namespace Berth.Images.Formats;

/// <summary>
/// The Dockerfile instructions <c>docker import --change</c> accepts: CMD, ENTRYPOINT (JSON or
/// shell form), ENV, WORKDIR, USER, LABEL. Anything else is refused by name.
/// </summary>
public static class DockerfileChanges
{
    public static RootfsImportOptions Apply(IEnumerable<string> changes, RootfsImportOptions options)
    {
        foreach (var change in changes)
        {
            var trimmed = change.Trim();
            var space = trimmed.IndexOfAny([' ', '\t']);
            var instruction = (space < 0 ? trimmed : trimmed[..space]).ToUpperInvariant();
            var rest = space < 0 ? "" : trimmed[(space + 1)..].Trim();
            options = instruction switch
            {
                "CMD" => options with { Cmd = Command(rest, change) },
                "ENTRYPOINT" => options with { Entrypoint = Command(rest, change) },
                "ENV" => options with { Env = [.. options.Env ?? [], .. KeyValues(rest, change).Select(kv => kv.Key + "=" + kv.Value)] },
                "WORKDIR" => options with { WorkingDir = Required(rest, change) },
                "USER" => options with { User = Required(rest, change) },
                "LABEL" => options with { Labels = Merge(options.Labels, KeyValues(rest, change)) },
                _ => throw new ArgumentException($"--change \"{change}\": {instruction} is not supported (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL)"),
            };
        }
        return options;
    }

    // JSON form is the argv as given; shell form runs through /bin/sh -c, as in a Dockerfile.
    private static List<string> Command(string rest, string change)
    {
        if (rest.StartsWith('['))
        {
            try
            {
                var args = new List<string>();
                using var doc = JsonDocument.Parse(rest);
                foreach (var e in doc.RootElement.EnumerateArray())
                    args.Add(e.GetString() ?? throw new ArgumentException($"--change \"{change}\": null in the argument list"));
                return args;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new ArgumentException($"--change \"{change}\": not a JSON array of strings");
            }
        }
        return ["/bin/sh", "-c", Required(rest, change)];
    }

    private static IEnumerable<KeyValuePair<string, string>> KeyValues(string rest, string change)
    {
        Required(rest, change);
        if (!rest.Contains('='))
        {
            // ENV key value (the old single-pair form).
            var space = rest.IndexOf(' ');
            if (space < 0)
                throw new ArgumentException($"--change \"{change}\": needs key=value");
            return [new(rest[..space], rest[(space + 1)..].Trim())];
        }
        return rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
                throw new ArgumentException($"--change \"{change}\": \"{pair}\" is not key=value");
            return new KeyValuePair<string, string>(pair[..eq], pair[(eq + 1)..].Trim('"'));
        }).ToList();
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? labels, IEnumerable<KeyValuePair<string, string>> more)
    {
        var merged = new Dictionary<string, string>(labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (k, v) in more)
            merged[k] = v;
        return merged;
    }

    private static string Required(string rest, string change) =>
        rest.Length > 0 ? rest : throw new ArgumentException($"--change \"{change}\": needs an argument");
}
