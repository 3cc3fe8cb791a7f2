namespace Berth.Oci.Runtime;

/// <summary>SCHED_* policy names of <see cref="Scheduler.Policy"/> → policy number (include/uapi/linux/sched.h).</summary>
public static class SchedulerPolicies
{
    public static IReadOnlyDictionary<string, int> ByName { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["SCHED_OTHER"] = 0,
        ["SCHED_FIFO"] = 1,
        ["SCHED_RR"] = 2,
        ["SCHED_BATCH"] = 3,
        ["SCHED_ISO"] = 4,
        ["SCHED_IDLE"] = 5,
        ["SCHED_DEADLINE"] = 6,
    };
}

/// <summary>SCHED_FLAG_* names of <see cref="Scheduler.Flags"/> → sched_attr.sched_flags bit.</summary>
public static class SchedulerFlags
{
    public static IReadOnlyDictionary<string, ulong> ByName { get; } = new Dictionary<string, ulong>(StringComparer.Ordinal)
    {
        ["SCHED_FLAG_RESET_ON_FORK"] = 0x01,
        ["SCHED_FLAG_RECLAIM"] = 0x02,
        ["SCHED_FLAG_DL_OVERRUN"] = 0x04,
        ["SCHED_FLAG_KEEP_POLICY"] = 0x08,
        ["SCHED_FLAG_KEEP_PARAMS"] = 0x10,
        ["SCHED_FLAG_UTIL_CLAMP_MIN"] = 0x20,
        ["SCHED_FLAG_UTIL_CLAMP_MAX"] = 0x40,
    };
}

/// <summary>IOPRIO_CLASS_* names of <see cref="LinuxIOPriority.Class"/> → class number (include/uapi/linux/ioprio.h).</summary>
public static class IOPriorityClasses
{
    public static IReadOnlyDictionary<string, int> ByName { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["IOPRIO_CLASS_RT"] = 1,
        ["IOPRIO_CLASS_BE"] = 2,
        ["IOPRIO_CLASS_IDLE"] = 3,
    };
}
