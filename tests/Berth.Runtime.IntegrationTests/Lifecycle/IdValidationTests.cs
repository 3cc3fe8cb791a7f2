using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Lifecycle;

/// <summary>A container id names a directory under --root: one that is empty, climbs out, or is too long is refused, and nothing is left behind.</summary>
public sealed class IdValidationTests(ITestOutputHelper output) : RuntimeTest(output)
{
    [RuntimeFact]
    public void Id_that_climbs_out_of_the_root_is_refused() => AssertRefused("../x");

    [RuntimeFact]
    public void Id_with_a_slash_is_refused() => AssertRefused("a/b");

    [RuntimeFact]
    public void Empty_id_is_refused() => AssertRefused("");

    [RuntimeFact]
    public void Id_of_1025_characters_is_refused() => AssertRefused(new string('a', 1025));

    private void AssertRefused(string id)
    {
        // the state root sits alone in a parent dir so that an escape ("../x") would show up there
        var parent = Path.GetDirectoryName(Root)!;
        var before = Directory.EnumerateFileSystemEntries(parent).Select(Path.GetFileName).ToHashSet();
        var bundle = NewBundle().Args("/bin/sleep", "30");

        var r = Create(bundle, id);

        Assert.NotEqual(0, r.ExitCode);
        Assert.NotEqual("created", Status(id));
        var added = Directory.EnumerateFileSystemEntries(parent).Select(Path.GetFileName)
            .Where(n => !before.Contains(n) && n != Path.GetFileName(Root)).ToList();
        Assert.True(added.Count == 0, $"refused id left {string.Join(", ", added)} next to --root");
        if (Directory.Exists(Root))
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(Root));
        }
    }
}
