using System.Text.Json.Nodes;
using Berth.Runtime.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Security;

public sealed class AppArmorTests(ITestOutputHelper output) : RuntimeTest(output)
{
    /// <summary>
    /// A profile the kernel cannot apply (no AppArmor on the host, or no such profile loaded) fails
    /// create, as on runc: the process must not run unconfined when a profile was asked for.
    /// </summary>
    [RuntimeFact]
    public void Profile_that_cannot_be_applied_fails_create_and_leaves_nothing_behind()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        bundle.Process["apparmorProfile"] = JsonValue.Create("berth-test-profile-that-is-not-loaded");
        var id = NewId("aa");

        var r = Create(bundle, id);

        Assert.NotEqual(0, r.ExitCode);
        if (Runtime.Name == "berth")
            Assert.Contains("process.apparmorProfile", r.Stderr);
        AssertCreateLeftNothing(id);
    }

    [RuntimeFact]
    public void Exec_with_a_profile_that_cannot_be_applied_fails()
    {
        var bundle = NewBundle().Args("/bin/sleep", "30");
        var id = NewId("aae");
        MustRunDetached(bundle, id);

        var r = Rt("exec", "--apparmor", "berth-test-profile-that-is-not-loaded", id, "/bin/true");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("running", Status(id));
    }
}
