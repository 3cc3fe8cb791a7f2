using Berth.Images.Store;

namespace Berth.Cli.Commands;

/// <summary>The --format values of load and save.</summary>
internal static class Formats
{
    public static ArchiveFormat Parse(string? value) => value switch
    {
        null or "" => ArchiveFormat.Auto,
        "docker-archive" or "docker" => ArchiveFormat.DockerArchive,
        "oci-archive" or "oci" => ArchiveFormat.OciArchive,
        _ => throw new ArgumentException($"--format: unknown archive format \"{value}\" (docker-archive, oci-archive)"),
    };
}
