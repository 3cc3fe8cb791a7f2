namespace Berth.Images.Store;

/// <summary>The archive formats of load and save.</summary>
public enum ArchiveFormat
{
    Auto,
    DockerArchive,
    OciArchive,
}
