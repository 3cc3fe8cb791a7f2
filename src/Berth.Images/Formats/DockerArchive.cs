namespace Berth.Images.Formats;

/// <summary>The names of the <c>docker save</c> format (moby <c>image/tarexport</c>).</summary>
internal static class DockerArchive
{
    public const string ManifestFile = "manifest.json";
    public const string RepositoriesFile = "repositories";
    public const string LayerFile = "layer.tar";

    /// <summary>
    /// The short name docker writes in RepoTags (<c>busybox:latest</c> for
    /// <c>docker.io/library/busybox:latest</c>), since docker 20.10 prints and loads that form.
    /// </summary>
    public static string Familiar(string name) =>
        name.StartsWith("docker.io/library/", StringComparison.Ordinal) ? name["docker.io/library/".Length..]
        : name.StartsWith("docker.io/", StringComparison.Ordinal) ? name["docker.io/".Length..]
        : name;

    /// <summary>True for <c>&lt;id&gt;/layer.tar</c>, the legacy layout's layers.</summary>
    public static bool IsLegacyLayer(string path)
    {
        var slash = path.IndexOf('/');
        return slash > 0 && path[(slash + 1)..] == LayerFile;
    }
}
