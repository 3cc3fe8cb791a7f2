using Berth.Images.Store;

namespace Berth.Images.Tests.Store;

/// <summary>An image store in a fresh temp root, removed after each test.</summary>
public abstract class ImageStoreTest : IDisposable
{
    protected ImageStoreTest()
    {
        Root = Directory.CreateTempSubdirectory("berth-store-").FullName;
        Store = ImageStore.Open(Root);
    }

    protected string Root { get; }

    protected ImageStore Store { get; }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
