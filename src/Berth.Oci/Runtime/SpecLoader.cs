using System.Text.Json;

namespace Berth.Oci.Runtime;

/// <summary>Reads a bundle's config.json into a validated <see cref="Spec"/>.</summary>
public static class SpecLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>Reads, parses and validates &lt;bundleDir&gt;/config.json.</summary>
    /// <exception cref="SpecException">The file is missing, unreadable, malformed or invalid.</exception>
    public static Spec Load(string bundleDir)
    {
        var path = System.IO.Path.Combine(bundleDir, ConfigFileName);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SpecException(ConfigFileName, "", $"open {path}: {DescribeIOError(path, ex)}", ex);
        }

        return Parse(json, ConfigFileName);
    }

    /// <summary>Parses and validates a config.json held in memory.</summary>
    /// <param name="json">UTF-8 JSON.</param>
    /// <param name="source">The name errors start with.</param>
    /// <exception cref="SpecException">The JSON is malformed, has a wrongly typed value, or breaks a rule of the spec.</exception>
    public static Spec Parse(ReadOnlySpan<byte> json, string source = ConfigFileName)
    {
        // Syntax is checked on its own first so a syntax error is reported with its line,
        // and a type error (which needs the document to be well-formed) with its JSON path.
        JsonErrors.ThrowIfMalformed(json, source);

        Spec? spec;
        try
        {
            spec = JsonSerializer.Deserialize(json, OciJsonContext.Default.Spec);
        }
        catch (JsonException ex)
        {
            throw JsonErrors.FromDeserialization(ex, json, source, OciJsonContext.Default.Spec);
        }

        if (spec is null)
        {
            throw new SpecException(source, "", "expected object, got null");
        }

        SpecValidator.Validate(spec, source);
        return spec;
    }

    private static string DescribeIOError(string path, Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        UnauthorizedAccessException when Directory.Exists(path) => "is a directory",
        UnauthorizedAccessException => "permission denied",
        _ => ex.Message,
    };
}
