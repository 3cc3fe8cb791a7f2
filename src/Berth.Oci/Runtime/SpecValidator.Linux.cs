namespace Berth.Oci.Runtime;

public static partial class SpecValidator
{
    private sealed partial class Checker
    {
        private static readonly HashSet<string> s_propagations = new(StringComparer.Ordinal)
        {
            "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
        };

        private static readonly HashSet<string> s_deviceTypes = new(StringComparer.Ordinal) { "c", "b", "u", "p" };

        private static readonly HashSet<string> s_clocks = new(StringComparer.Ordinal) { "monotonic", "boottime" };

        private static readonly HashSet<string> s_personalityDomains = new(StringComparer.Ordinal) { "LINUX", "LINUX32" };

        // System V IPC sysctls live in the ipc namespace (ipc_namespaces(7)); fs.mqueue.* is
        // matched by prefix. The list is runc's.
        private static readonly HashSet<string> s_ipcSysctls = new(StringComparer.Ordinal)
        {
            "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
        };

        private LinuxNamespace? FindNamespace(string type) =>
            spec.Linux?.Namespaces?.FirstOrDefault(ns => ns is not null && ns.Type == type);

        /// <summary>True when the namespace is listed, whether created or joined by path (runc's Contains).</summary>
        private bool HasNamespace(string type) => FindNamespace(type) is not null;

        private void CheckLinux(Linux linux)
        {
            CheckNamespaces(linux);
            CheckUserMappings(linux);
            CheckTimeOffsets(linux);
            CheckDevices(linux.Devices);
            if (linux.Resources?.Devices is { } rules)
            {
                CheckDeviceRules(rules);
            }

            if (linux.RootfsPropagation is { } propagation && !s_propagations.Contains(propagation))
            {
                throw Fail("linux.rootfsPropagation", $"unknown propagation {Quote(propagation)}");
            }

            CheckRestrictedPaths(linux.MaskedPaths, "linux.maskedPaths");
            CheckRestrictedPaths(linux.ReadonlyPaths, "linux.readonlyPaths");
            CheckSysctls(linux.Sysctl);

            if (linux.Personality is { } personality && !s_personalityDomains.Contains(personality.Domain))
            {
                throw Fail("linux.personality.domain", $"unknown domain {Quote(personality.Domain)}");
            }

            if (linux.Seccomp is { } seccomp)
            {
                CheckSeccomp(seccomp);
            }
        }

        private void CheckNamespaces(Linux linux)
        {
            if (linux.Namespaces is not { } namespaces)
            {
                return;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < namespaces.Count; i++)
            {
                var ns = Item(namespaces, i, "linux.namespaces");
                if (!NamespaceTypes.CloneFlags.ContainsKey(ns.Type))
                {
                    throw Fail($"linux.namespaces[{i}].type", $"unknown namespace type {Quote(ns.Type)}");
                }

                if (!seen.Add(ns.Type))
                {
                    throw Fail($"linux.namespaces[{i}].type", $"duplicate namespace type {Quote(ns.Type)}");
                }

                if (!string.IsNullOrEmpty(ns.Path) && !IsAbsolute(ns.Path))
                {
                    throw Fail($"linux.namespaces[{i}].path", "must be an absolute path");
                }
            }
        }

        private void CheckUserMappings(Linux linux)
        {
            var user = FindNamespace(NamespaceTypes.User);
            bool hasUidMappings = linux.UidMappings is { Count: > 0 }, hasGidMappings = linux.GidMappings is { Count: > 0 };
            if (user is null)
            {
                if (hasUidMappings)
                {
                    throw Fail("linux.uidMappings", "requires a user namespace");
                }

                if (hasGidMappings)
                {
                    throw Fail("linux.gidMappings", "requires a user namespace");
                }
            }
            else if (string.IsNullOrEmpty(user.Path) && !hasUidMappings && !hasGidMappings)
            {
                // A new user namespace without mappings leaves every id as the overflow id (65534)
                // and the container unable to do anything as root.
                var index = linux.Namespaces!.IndexOf(user);
                throw Fail($"linux.namespaces[{index}]", "a new user namespace needs uidMappings and gidMappings");
            }

            CheckIdMappings(linux.UidMappings, "linux.uidMappings");
            CheckIdMappings(linux.GidMappings, "linux.gidMappings");
        }

        private void CheckTimeOffsets(Linux linux)
        {
            if (linux.TimeOffsets is not { } offsets)
            {
                return;
            }

            var time = FindNamespace(NamespaceTypes.Time) ?? throw Fail("linux.timeOffsets", "requires a time namespace");

            // Offsets can only be written before the first process enters the namespace, so an
            // existing one cannot take them (time_namespaces(7)).
            if (!string.IsNullOrEmpty(time.Path))
            {
                throw Fail("linux.timeOffsets", "cannot be set when joining a time namespace by path");
            }

            foreach (var (clock, offset) in offsets)
            {
                var path = "linux.timeOffsets" + Key(clock);
                if (!s_clocks.Contains(clock))
                {
                    throw Fail("linux.timeOffsets", $"unknown clock {Quote(clock)} (expected monotonic or boottime)");
                }

                if (offset is null)
                {
                    throw Fail(path, "expected object, got null");
                }

                if (offset.Nanosecs >= 1_000_000_000)
                {
                    throw Fail(path + ".nanosecs", "must be less than 1000000000");
                }
            }
        }

        private void CheckDevices(List<LinuxDevice>? devices)
        {
            if (devices is null)
            {
                return;
            }

            for (var i = 0; i < devices.Count; i++)
            {
                var device = Item(devices, i, "linux.devices");
                if (!IsAbsolute(device.Path))
                {
                    throw Fail($"linux.devices[{i}].path", "must be an absolute path");
                }

                if (!s_deviceTypes.Contains(device.Type))
                {
                    throw Fail($"linux.devices[{i}].type", $"unknown device type {Quote(device.Type)} (expected c, b, u or p)");
                }
            }
        }

        private void CheckDeviceRules(List<LinuxDeviceCgroup> rules)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                var rule = Item(rules, i, "linux.resources.devices");
                if (rule.Type is not (null or "" or "a" or "b" or "c"))
                {
                    throw Fail($"linux.resources.devices[{i}].type", $"unknown device type {Quote(rule.Type)} (expected a, b or c)");
                }

                if (rule.Access is { } access && access.Any(c => c is not ('r' or 'w' or 'm')))
                {
                    throw Fail($"linux.resources.devices[{i}].access", $"unknown access {Quote(access)} (expected some of rwm)");
                }
            }
        }

        private void CheckRestrictedPaths(List<string>? paths, string path)
        {
            if (paths is not { Count: > 0 })
            {
                return;
            }

            CheckStrings(paths, path);
            for (var i = 0; i < paths.Count; i++)
            {
                if (!IsAbsolute(paths[i]))
                {
                    throw Fail($"{path}[{i}]", "must be an absolute path");
                }
            }

            // Masking is done with mounts; in the host's mount namespace it would mask the host.
            if (!HasNamespace(NamespaceTypes.Mount))
            {
                throw Fail(path, "requires a new mount namespace");
            }
        }

        /// <summary>
        /// /proc/sys is only partly namespaced: a sysctl is accepted only when the namespace that
        /// owns it is the container's own, as runc decides. A network namespace joined by path
        /// could still be the host's; only the runtime, which can open it, can tell.
        /// </summary>
        private void CheckSysctls(Dictionary<string, string>? sysctls)
        {
            if (sysctls is null)
            {
                return;
            }

            foreach (var (rawKey, value) in sysctls)
            {
                if (value is null)
                {
                    throw Fail("linux.sysctl" + Key(rawKey), "expected string, got null");
                }

                var key = ToDottedSysctl(rawKey);
                string? missing;
                if (s_ipcSysctls.Contains(key) || key.StartsWith("fs.mqueue.", StringComparison.Ordinal))
                {
                    missing = HasNamespace(NamespaceTypes.Ipc) ? null : "ipc";
                }
                else if (key.StartsWith("net.", StringComparison.Ordinal))
                {
                    missing = HasNamespace(NamespaceTypes.Network) ? null : "network";
                }
                else if (key is "kernel.hostname" or "kernel.domainname")
                {
                    if (!HasNamespace(NamespaceTypes.Uts))
                    {
                        missing = "uts";
                    }
                    else if (key == "kernel.hostname")
                    {
                        throw Fail("linux.sysctl", $"{Quote(key)} conflicts with the \"hostname\" field");
                    }
                    else
                    {
                        missing = null;
                    }
                }
                else if (key.StartsWith("user.", StringComparison.Ordinal))
                {
                    // The ucounts limits of the initial namespace bound every process on the host.
                    missing = HasNamespace(NamespaceTypes.User) ? null : "user";
                }
                else
                {
                    throw Fail("linux.sysctl", $"{Quote(key)} is not in a separate kernel namespace");
                }

                if (missing is not null)
                {
                    throw Fail("linux.sysctl", $"{Quote(key)} requires a new {missing} namespace");
                }
            }
        }

        /// <summary>
        /// sysctl(8) accepts "net/ipv4/conf/eth0.100/rp_filter" for "net.ipv4.conf.eth0/100.rp_filter":
        /// when the first separator is '/', dots and slashes swap roles.
        /// </summary>
        private static string ToDottedSysctl(string key)
        {
            var first = key.AsSpan().IndexOfAny('.', '/');
            if (first < 0 || key[first] == '.')
            {
                return key;
            }

            return string.Create(key.Length, key, static (span, k) =>
            {
                for (var i = 0; i < k.Length; i++)
                {
                    span[i] = k[i] switch
                    {
                        '.' => '/',
                        '/' => '.',
                        var c => c,
                    };
                }
            });
        }

        private static string Key(string key) => Json.JsonPathText.Child("", key) is var k && k.StartsWith('[') ? k : "." + k;
    }
}
