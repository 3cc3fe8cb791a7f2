using Berth.Oci.Runtime.Json;

namespace Berth.Oci.Runtime;

/// <summary>Reads a bundle's config.json into a validated <see cref="Spec"/>.</summary>
public static class SpecLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>Reads, parses and validates &lt;bundleDir&gt;/config.json.</summary>
    /// <exception cref="SpecException">The file is missing, unreadable, malformed or invalid.</exception>
    public static Spec Load(string bundleDir) => Load(bundleDir, out _);

    /// <summary>As <see cref="Load(string)"/>, and hands back the document's bytes.</summary>
    public static Spec Load(string bundleDir, out byte[] json)
    {
        var path = System.IO.Path.Combine(bundleDir, ConfigFileName);
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
    public static Spec Parse(ReadOnlyMemory<byte> json, string source = ConfigFileName)
    {
        // Syntax is checked on its own first so a syntax error is reported with its line,
        // and a type error (which needs the document to be well-formed) with its JSON path.
        JsonErrors.ThrowIfMalformed(json.Span, source);
        var spec = SpecReader.Read(json, source);
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
