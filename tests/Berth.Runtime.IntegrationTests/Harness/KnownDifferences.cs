using System.Runtime.CompilerServices;
using Xunit;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// Tests a reference runtime is known to fail on this host (runc 1.1.5, crun 1.8.1 on Debian 12,
/// cgroup v1; see /work/shared/docs/anchors.md and security-baseline.md §2). They are reported as
/// skipped with the reason, so the difference stays visible without failing the run. berth-runtime
/// has no entry: it must pass everything. BERTH_TEST_RUN_KNOWN=1 runs them anyway (to see whether a
/// difference still holds).
/// </summary>
public static class KnownDifferences
{
    private static readonly Dictionary<string, Dictionary<string, string>> s_byRuntime = new()
    {
        ["runc"] = new()
        {
            ["Time_namespace_is_created_when_the_kernel_has_one"] =
                "runc 1.1.5 has no time namespace (\"namespace {time} does not exist\")",
            ["Time_namespace_offsets_shift_the_monotonic_clock"] =
                "runc 1.1.5 has no time namespace (\"namespace {time} does not exist\")",
            ["Domainname_is_set_from_the_config"] = "runc 1.1.5 ignores domainname",
            ["Rootfs_propagation_shared_makes_the_root_mount_shared"] =
                "runc 1.1.5 leaves the root mount private (runtime-tools linux_rootfs_propagation, anchors.md)",
            ["Unknown_capability_is_refused"] = "runc 1.1.5 ignores an unknown capability with a warning",
            ["Update_of_a_missing_container_fails_naming_it"] =
                "runc 1.1.5 says only \"container does not exist\", without the id",
            ["Poststart_hook_runs_once_the_process_is_started"] =
                "runc 1.1.5 runs poststart hooks during create, before start (runtime-tools poststart, anchors.md)",
            ["Poststart_hook_runs_after_the_container_process_is_executed"] =
                "runc 1.1.5 runs poststart hooks during create, before start (runtime-tools poststart, anchors.md)",
            ["CVE_2025_31133_dev_null_symlink_in_the_image_is_not_used_for_masking"] =
                "runc 1.1.5 bind-mounts the target of the image's /dev/null symlink over masked paths (security-baseline §2, observed)",
            ["CVE_2026_41579_dev_symlink_in_the_image_creates_nothing_where_it_points"] =
                "runc 1.1.5 creates fd, ptmx, stdin, stdout, stderr where the image's /dev symlink points (security-baseline §2, observed)",
            ["CVE_2026_41579_dev_symlink_with_a_dev_tmpfs_mounts_nothing_on_the_host"] =
                "runc 1.1.5 creates fd, ptmx, stdin, stdout, stderr where the image's /dev symlink points (security-baseline §2, observed)",
            ["CVE_2021_30465_a_destination_flipped_to_a_symlink_never_mounts_outside_the_root"] =
                "runc 1.1.5 created the mount destination's directory at the host's / when the path was swapped for a symlink mid-create (observed here)",
        },
        ["crun"] = new()
        {
            ["Features_prints_json_with_the_supported_oci_versions"] = "crun 1.8.1 has no features command",
            ["Poststart_hook_runs_after_the_container_process_is_executed"] =
                "crun 1.8.1 runs poststart hooks as soon as init passes the exec fifo, before the startContainer hooks and the exec (observed here)",
            ["Time_namespace_is_created_when_the_kernel_has_one"] =
                "crun 1.8.1 fails to start with a time namespace here (\"write to sync socket: Broken pipe\")",
            ["Time_namespace_offsets_shift_the_monotonic_clock"] =
                "crun 1.8.1 fails to start with a time namespace here (\"write to sync socket: Broken pipe\")",
            ["Unknown_capability_is_refused"] =
                "crun 1.8.1 accepts an unknown capability (runtime-tools process_capabilities_fail, anchors.md)",
            ["Kill_with_an_unknown_signal_fails_and_leaves_the_container_running"] = "crun 1.8.1 kill exits 0 for an unknown signal name",
            ["Events_stats_prints_a_stats_line_with_cpu_memory_and_pids"] = "crun 1.8.1 has no events command (\"unknown command events\")",
            ["Memory_limit_exceeded_is_reported_as_an_oom_event"] = "crun 1.8.1 has no events command (\"unknown command events\")",
            ["Pause_of_a_paused_container_fails"] = "crun 1.8.1 pause of a paused container exits 0",
            ["CVE_2019_16884_mount_over_proc_is_refused"] = "crun 1.8.1 accepts a tmpfs mounted over /proc",
            ["CVE_2019_16884_bind_mount_below_proc_is_refused"] = "crun 1.8.1 accepts a bind mount on /proc/sys",
            ["CVE_2026_41579_dev_symlink_in_the_image_creates_nothing_where_it_points"] =
                "crun 1.8.1 creates null zero full random urandom tty … where the image's /dev symlink points (security-baseline §2, observed)",
        },
    };

    public static bool RunAnyway => Environment.GetEnvironmentVariable("BERTH_TEST_RUN_KNOWN") == "1";

    public static string? Reason(string runtime, string test) =>
        s_byRuntime.TryGetValue(runtime, out var tests) && tests.TryGetValue(test, out var reason) ? reason : null;

    internal static string? SkipFor(string test)
    {
        if (RunAnyway)
        {
            return null;
        }

        var runtime = RuntimeUnderTest.Current.Name;
        var reason = Reason(runtime, test);
        return reason is null ? null : $"known difference of {runtime}: {reason}";
    }
}

/// <summary>A [Fact] that is skipped, with the reason, where <see cref="KnownDifferences"/> lists it for the runtime under test.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RuntimeFactAttribute : FactAttribute
{
    public RuntimeFactAttribute([CallerMemberName] string test = "")
    {
        var skip = KnownDifferences.SkipFor(test);
        if (skip is not null)
        {
            Skip = skip;
        }
    }
}

/// <summary>A [Theory] that is skipped, with the reason, where <see cref="KnownDifferences"/> lists it for the runtime under test.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RuntimeTheoryAttribute : TheoryAttribute
{
    public RuntimeTheoryAttribute([CallerMemberName] string test = "")
    {
        var skip = KnownDifferences.SkipFor(test);
        if (skip is not null)
        {
            Skip = skip;
        }
    }
}
