using Berth.Images.Content;

namespace Berth.Images.Tests.Content;

/// <summary>A content store in a fresh temp directory, removed after the test.</summary>
public sealed class StoreFixture : IDisposable
{
    public StoreFixture()
    {
        Root = Directory.CreateTempSubdirectory("berth-content-").FullName;
        Store = new ContentStore(Root);
    }

    public string Root { get; }

    public ContentStore Store { get; }

    public string IngestRoot => Path.Combine(Root, "content", "ingest");

    public Digest Put(byte[] data) => Put(data, Digest.Sha256);

    public Digest Put(byte[] data, string algorithm)
    {
        var digest = Digest.Compute(data, algorithm);
        Store.Ingest(digest.ToString(), new MemoryStream(data), data.Length, digest);
        return digest;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
