using Berth.Oci.Runtime;

namespace Berth.Runtime.Cgroups.Devices;

/// <summary>Access bits of the device cgroup, valued as the BPF context encodes them (BPF_DEVCG_ACC_*).</summary>
[Flags]
public enum DeviceAccess
{
    None = 0,
    Mknod = 1,
    Read = 2,
    Write = 4,
    All = Mknod | Read | Write,
}

/// <summary>One exception of a <see cref="DevicePolicy"/>: type <c>b</c> or <c>c</c>, and null for a <c>*</c> number.</summary>
public sealed record DeviceException(char Type, uint? Major, uint? Minor, DeviceAccess Access);

/// <summary>
/// The effect of a device rule list, computed the way the v1 devices controller folds the writes to
/// devices.allow and devices.deny (security/device_cgroup.c): a default (allow or deny everything)
/// and a set of exceptions to it. An <c>a</c> rule resets both; a rule that agrees with the default
/// takes its access bits away from the exception with the same type and numbers, and one that
/// disagrees adds them. Compiling this, rather than the raw list, into the v2 program makes v2
/// enforce exactly what v1 would, as runc's devicefilter does through its emulator.
/// </summary>
public sealed class DevicePolicy
{
    private readonly List<DeviceException> _exceptions = [];

    private DevicePolicy()
    {
    }

    /// <summary>True when what is not an exception is allowed (v1 "blacklist" behaviour).</summary>
    public bool DefaultAllow { get; private set; } = true;

    public IReadOnlyList<DeviceException> Exceptions => _exceptions;

    /// <summary>The policy of <paramref name="rules"/> applied in order to a cgroup that allows everything, as a new v1 cgroup under the root does.</summary>
    public static DevicePolicy From(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        var policy = new DevicePolicy();
        for (var i = 0; i < rules.Count; i++)
            policy.Apply(rules[i], i);
        return policy;
    }

    /// <summary>Whether an access of <paramref name="access"/> to device <paramref name="type"/> major:minor is allowed, as v1 decides.</summary>
    public bool Allows(char type, uint major, uint minor, DeviceAccess access)
    {
        foreach (var e in _exceptions)
        {
            if (e.Type != type || (e.Major is { } ma && ma != major) || (e.Minor is { } mi && mi != minor))
                continue;
            // An allow-list exception must grant every bit asked for; a deny-list one refuses any bit it names.
            var matches = DefaultAllow ? (e.Access & access) != 0 : (access & ~e.Access) == 0;
            if (matches)
                return !DefaultAllow;
        }

        return DefaultAllow;
    }

    private void Apply(LinuxDeviceCgroup rule, int index)
    {
        // DeviceRules.Format validates type and access and names the rule on failure.
        var text = DeviceRules.Format(rule, index);
        var type = text[0];
        var access = ParseAccess(string.IsNullOrEmpty(rule.Access) ? "rwm" : rule.Access);
        if (type == 'a')
        {
            DefaultAllow = rule.Allow;
            _exceptions.Clear();
            return;
        }

        var major = Number(rule.Major, index, "major");
        var minor = Number(rule.Minor, index, "minor");
        var existing = _exceptions.FindIndex(e => e.Type == type && e.Major == major && e.Minor == minor);
        if (rule.Allow != DefaultAllow)
        {
            if (existing >= 0)
                _exceptions[existing] = _exceptions[existing] with { Access = _exceptions[existing].Access | access };
            else
                _exceptions.Add(new DeviceException(type, major, minor, access));
            return;
        }

        if (existing < 0)
            return;
        var remaining = _exceptions[existing].Access & ~access;
        if (remaining == DeviceAccess.None)
            _exceptions.RemoveAt(existing);
        else
            _exceptions[existing] = _exceptions[existing] with { Access = remaining };
    }

    private static DeviceAccess ParseAccess(string access)
    {
        var result = DeviceAccess.None;
        foreach (var c in access)
        {
            result |= c switch
            {
                'r' => DeviceAccess.Read,
                'w' => DeviceAccess.Write,
                _ => DeviceAccess.Mknod,
            };
        }

        return result;
    }

    private static uint? Number(long? value, int index, string name)
    {
        if (value is null or < 0)
            return null;
        // Linux device numbers are 12-bit major, 20-bit minor; the program compares 32-bit immediates.
        return value <= int.MaxValue
            ? (uint)value.Value
            : throw CgroupException.InvalidResource($"devices[{index}].{name}", $"device number {value} out of range");
    }
}
