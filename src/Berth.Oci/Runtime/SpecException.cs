namespace Berth.Oci.Runtime;

/// <summary>
/// A config.json that cannot be used. The message is complete and user-facing:
/// "&lt;document&gt;: &lt;json path&gt;: &lt;problem&gt;", e.g. "config.json: process.args: must not be empty".
/// </summary>
public sealed class SpecException : Exception
{
    /// <param name="document">The file named in the message, usually "config.json".</param>
    /// <param name="jsonPath">Dotted JSON path ("mounts[3].destination"); empty for the document itself.</param>
    /// <param name="problem">What is wrong, lowercase, no trailing period.</param>
    /// <param name="innerException">The underlying parser or I/O error, if any.</param>
    public SpecException(string document, string jsonPath, string problem, Exception? innerException = null)
        : base(jsonPath.Length == 0 ? $"{document}: {problem}" : $"{document}: {jsonPath}: {problem}", innerException)
    {
        Document = document;
        JsonPath = jsonPath;
        Problem = problem;
    }

    public string Document { get; }

    public string JsonPath { get; }

    public string Problem { get; }
}
