using System.Globalization;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Cgroups;

/// <summary>
/// The device cgroup rules of a container, in the order they apply: the config's
/// <c>linux.resources.devices</c>, then the devices every container may use (runc's
/// AllowedDevices), then one allow rule per <c>linux.devices</c> node.
/// </summary>
public static class DeviceRules
{
    /// <summary>runc's default allow list: mknod of anything, the standard nodes, ptys and tun.</summary>
    public static IReadOnlyList<LinuxDeviceCgroup> Defaults => AllowedDevices.Rules;

    public static List<LinuxDeviceCgroup> For(Spec spec)
    {
        var rules = new List<LinuxDeviceCgroup>(spec.Linux?.Resources?.Devices ?? []);
        rules.AddRange(Defaults);
        // Fifos are not device nodes to the device cgroup; "u" (unbuffered) is a character device.
        foreach (var d in (spec.Linux?.Devices ?? []).Where(d => d.Type != "p"))
            rules.Add(new LinuxDeviceCgroup { Allow = true, Type = d.Type == "u" ? "c" : d.Type, Major = d.Major, Minor = d.Minor, Access = "rwm" });
        return rules;
    }

    /// <summary>A rule as devices.allow/devices.deny take it: <c>c 1:3 rwm</c>, <c>a *:* rwm</c>.</summary>
    public static string Format(LinuxDeviceCgroup rule, int index)
    {
        var type = string.IsNullOrEmpty(rule.Type) ? "a" : rule.Type;
        if (type is not ("a" or "b" or "c"))
            throw CgroupException.Custom("apply", "devices", $"config.json: linux.resources.devices[{index}].type: unknown device type \"{type}\"");
        var access = string.IsNullOrEmpty(rule.Access) ? "rwm" : rule.Access;
        if (access.Any(c => c is not ('r' or 'w' or 'm')))
            throw CgroupException.Custom("apply", "devices", $"config.json: linux.resources.devices[{index}].access: invalid access \"{access}\"");
        if (type == "a")
            return $"a *:* {access}";
        string Num(long? n) => n is null or < 0 ? "*" : n.Value.ToString(CultureInfo.InvariantCulture);
        return $"{type} {Num(rule.Major)}:{Num(rule.Minor)} {access}";
    }

    /// <summary>Applies the rules to a v1 devices cgroup directory, in order.</summary>
    public static void ApplyV1(string devicesDir, IReadOnlyList<LinuxDeviceCgroup> rules, ICgroupFileSystem? fs = null)
    {
        fs ??= HostCgroupFileSystem.Instance;
        for (var i = 0; i < rules.Count; i++)
        {
            var file = rules[i].Allow ? "devices.allow" : "devices.deny";
            fs.WriteFile(Path.Combine(devicesDir, file), Format(rules[i], i));
        }
    }
}
