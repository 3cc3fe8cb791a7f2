namespace Berth.Runtime.Tests.Cgroups;

/// <summary>A file with the given text, such as a fake /proc/self/cgroup, deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string text)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"berth-test-{Guid.NewGuid():N}");
        File.WriteAllText(Path, text);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
