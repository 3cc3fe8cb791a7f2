namespace Berth.Runtime.DropInTests.Harness;

/// <summary>Where the berth-runtime under test is: BERTH_DROPIN_RUNTIME, else
/// &lt;repo&gt;/artifacts/bin/berth-runtime (the repo root is found by walking up to build.sh).</summary>
public static class BerthBinary
{
    public static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("BERTH_DROPIN_RUNTIME");
        if (!string.IsNullOrEmpty(env))
        {
            return File.Exists(env) ? env : throw new FileNotFoundException($"BERTH_DROPIN_RUNTIME={env} does not exist");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")))
            {
                var bin = Path.Combine(dir.FullName, "artifacts", "bin", "berth-runtime");
                return File.Exists(bin) ? bin : throw new FileNotFoundException($"{bin} is missing: run ./build.sh first");
            }
        }

        throw new FileNotFoundException("cannot find the repository root (build.sh) above " + AppContext.BaseDirectory);
    }
}
