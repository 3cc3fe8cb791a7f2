namespace Berth.Oci.Runtime;

/// <summary>
/// Semantic checks on a parsed config.json, mostly the ones runc makes before creating a container
/// (libcontainer/configs/validate), done here without any I/O so they run at load time and in tests.
/// The first violation is thrown as a <see cref="SpecException"/> naming its JSON path.
/// </summary>
public static partial class SpecValidator
{
    /// <exception cref="SpecException">The spec breaks a rule; the message names the first one found.</exception>
    public static void Validate(Spec spec, string source = SpecLoader.ConfigFileName)
    {
        ArgumentNullException.ThrowIfNull(spec);
        new Checker(spec, source).Run();
    }

    private sealed partial class Checker(Spec spec, string source)
    {
        private static readonly string[] s_capabilitySets = ["bounding", "effective", "inheritable", "permitted", "ambient"];

        public void Run()
        {
            CheckVersion();
            CheckRoot();
            if (spec.Process is { } process)
            {
                CheckProcess(process);
            }

            CheckUtsNames();
            CheckMounts();
            CheckHooks();
            if (spec.Linux is { } linux)
            {
                CheckLinux(linux);
            }
        }

        private SpecException Fail(string path, string problem) => new(source, path, problem);

        private void CheckVersion()
        {
            if (string.IsNullOrEmpty(spec.OciVersion))
            {
                throw Fail("ociVersion", "is required");
            }

            if (!OciVersions.IsSupported(spec.OciVersion))
            {
                throw Fail("ociVersion", $"unsupported version {Quote(spec.OciVersion)} (supported: {OciVersions.Minimum} to 1.2.x)");
            }
        }

        private void CheckRoot()
        {
            if (spec.Root is null)
            {
                throw Fail("root", "is required");
            }

            if (string.IsNullOrEmpty(spec.Root.Path))
            {
                throw Fail("root.path", "is required");
            }
        }

        private void CheckProcess(Process process)
        {
            if (process.Args is not { Count: > 0 })
            {
                throw Fail("process.args", "must not be empty");
            }

            CheckStrings(process.Args, "process.args");

            if (string.IsNullOrEmpty(process.Cwd))
            {
                throw Fail("process.cwd", "is required");
            }

            if (!IsAbsolute(process.Cwd))
            {
                throw Fail("process.cwd", "must be an absolute path");
            }

            CheckEnv(process.Env, "process.env");

            if (process.User.Umask is > 0x1FF)
            {
                throw Fail("process.user.umask", $"must be at most 0777 (got 0{Convert.ToString(process.User.Umask.Value, 8)})");
            }

            if (process.Capabilities is { } caps)
            {
                List<string>?[] sets = [caps.Bounding, caps.Effective, caps.Inheritable, caps.Permitted, caps.Ambient];
                for (var s = 0; s < sets.Length; s++)
                {
                    CheckCapabilities(sets[s], $"process.capabilities.{s_capabilitySets[s]}");
                }
            }

            CheckRlimits(process.Rlimits);

            if (process.OomScoreAdj is < -1000 or > 1000)
            {
                throw Fail("process.oomScoreAdj", "must be between -1000 and 1000");
            }

            if (process.Scheduler is { } scheduler)
            {
                CheckScheduler(scheduler);
            }

            if (process.IOPriority is { } io)
            {
                if (!IOPriorityClasses.ByName.ContainsKey(io.Class ?? ""))
                {
                    throw Fail("process.ioPriority.class", $"unknown class {Quote(io.Class)}");
                }

                if (io.Priority is < 0 or > 7)
                {
                    throw Fail("process.ioPriority.priority", "must be between 0 and 7");
                }
            }
        }

        private void CheckEnv(List<string>? env, string path)
        {
            if (env is null)
            {
                return;
            }

            CheckStrings(env, path);
            for (var i = 0; i < env.Count; i++)
            {
                // execve(2) takes any string, but a variable without a name cannot be read back.
                if (env[i].IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    throw Fail($"{path}[{i}]", $"must be of the form KEY=value, got {Quote(env[i])}");
                }
            }
        }

        private void CheckCapabilities(List<string>? names, string path)
        {
            if (names is null)
            {
                return;
            }

            CheckStrings(names, path);
            for (var i = 0; i < names.Count; i++)
            {
                if (!Capabilities.All.ContainsKey(names[i]))
                {
                    throw Fail($"{path}[{i}]", $"unknown capability {Quote(names[i])}");
                }
            }
        }

        private void CheckRlimits(List<PosixRlimit>? rlimits)
        {
            if (rlimits is null)
            {
                return;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < rlimits.Count; i++)
            {
                var rlimit = Item(rlimits, i, "process.rlimits");
                if (!Rlimits.ByName.ContainsKey(rlimit.Type))
                {
                    throw Fail($"process.rlimits[{i}].type", $"unknown rlimit {Quote(rlimit.Type)}");
                }

                if (!seen.Add(rlimit.Type))
                {
                    throw Fail($"process.rlimits[{i}].type", $"duplicate rlimit {Quote(rlimit.Type)}");
                }

                if (rlimit.Soft > rlimit.Hard)
                {
                    throw Fail($"process.rlimits[{i}]", $"soft limit {rlimit.Soft} exceeds hard limit {rlimit.Hard}");
                }
            }
        }

        private void CheckScheduler(Scheduler scheduler)
        {
            const string path = "process.scheduler";
            var policy = scheduler.Policy;
            if (!SchedulerPolicies.ByName.ContainsKey(policy))
            {
                throw Fail($"{path}.policy", $"unknown policy {Quote(policy)}");
            }

            if (scheduler.Flags is { } flags)
            {
                CheckStrings(flags, $"{path}.flags");
                for (var i = 0; i < flags.Count; i++)
                {
                    if (!SchedulerFlags.ByName.ContainsKey(flags[i]))
                    {
                        throw Fail($"{path}.flags[{i}]", $"unknown flag {Quote(flags[i])}");
                    }
                }
            }

            // The same combinations sched_setattr(2) rejects with EINVAL, reported before any process exists.
            if (policy is "SCHED_OTHER" or "SCHED_BATCH" && scheduler.Nice is < -20 or > 19)
            {
                throw Fail($"{path}.nice", "must be between -20 and 19");
            }

            if (scheduler.Priority != 0 && policy is not ("SCHED_FIFO" or "SCHED_RR"))
            {
                throw Fail($"{path}.priority", "is only valid with SCHED_FIFO or SCHED_RR");
            }

            if (policy != "SCHED_DEADLINE" && (scheduler.Runtime != 0 || scheduler.Deadline != 0 || scheduler.Period != 0))
            {
                throw Fail(path, "runtime, deadline and period are only valid with SCHED_DEADLINE");
            }
        }

        private void CheckUtsNames()
        {
            // runc refuses these too: without its own uts namespace the container would rename the host.
            if (!string.IsNullOrEmpty(spec.Hostname) && !HasNamespace(NamespaceTypes.Uts))
            {
                throw Fail("hostname", "requires a new uts namespace");
            }

            if (!string.IsNullOrEmpty(spec.Domainname) && !HasNamespace(NamespaceTypes.Uts))
            {
                throw Fail("domainname", "requires a new uts namespace");
            }
        }

        private void CheckMounts()
        {
            if (spec.Mounts is not { } mounts)
            {
                return;
            }

            for (var i = 0; i < mounts.Count; i++)
            {
                var mount = Item(mounts, i, "mounts");
                if (!IsAbsolute(mount.Destination))
                {
                    throw Fail($"mounts[{i}].destination", "must be an absolute path");
                }

                if (mount.Options is { } options)
                {
                    CheckStrings(options, $"mounts[{i}].options");
                }

                if ((mount.UidMappings is { Count: > 0 }) != (mount.GidMappings is { Count: > 0 }))
                {
                    throw Fail($"mounts[{i}]", "id-mapped mounts need both uidMappings and gidMappings");
                }

                CheckIdMappings(mount.UidMappings, $"mounts[{i}].uidMappings");
                CheckIdMappings(mount.GidMappings, $"mounts[{i}].gidMappings");
            }
        }

        private void CheckHooks()
        {
            if (spec.Hooks is not { } hooks)
            {
                return;
            }

            CheckHookList(hooks.Prestart, "hooks.prestart");
            CheckHookList(hooks.CreateRuntime, "hooks.createRuntime");
            CheckHookList(hooks.CreateContainer, "hooks.createContainer");
            CheckHookList(hooks.StartContainer, "hooks.startContainer");
            CheckHookList(hooks.Poststart, "hooks.poststart");
            CheckHookList(hooks.Poststop, "hooks.poststop");
        }

        private void CheckHookList(List<Hook>? list, string path)
        {
            if (list is null)
            {
                return;
            }

            for (var i = 0; i < list.Count; i++)
            {
                var hook = Item(list, i, path);
                if (!IsAbsolute(hook.Path))
                {
                    throw Fail($"{path}[{i}].path", "must be an absolute path");
                }

                if (hook.Args is { } args)
                {
                    CheckStrings(args, $"{path}[{i}].args");
                }

                CheckEnv(hook.Env, $"{path}[{i}].env");

                if (hook.Timeout is <= 0)
                {
                    throw Fail($"{path}[{i}].timeout", "must be greater than 0");
                }
            }
        }

        private void CheckIdMappings(List<LinuxIdMapping>? mappings, string path)
        {
            if (mappings is null)
            {
                return;
            }

            for (var i = 0; i < mappings.Count; i++)
            {
                if (Item(mappings, i, path).Size == 0)
                {
                    throw Fail($"{path}[{i}].size", "must be greater than 0");
                }
            }
        }

        /// <summary>
        /// Nullable annotations do not reach generic arguments, so `[null]` deserializes into a
        /// List&lt;T&gt; without complaint; catch it here with the parser's wording.
        /// </summary>
        private T Item<T>(List<T> list, int index, string path)
            where T : class =>
            list[index] ?? throw Fail($"{path}[{index}]", "expected object, got null");

        private void CheckStrings(List<string> list, string path)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is null)
                {
                    throw Fail($"{path}[{i}]", "expected string, got null");
                }
            }
        }

        private static bool IsAbsolute(string? path) => path is { Length: > 0 } && path[0] == '/';

        private static string Quote(string? value) => JsonErrors.Quote(value);
    }
}
