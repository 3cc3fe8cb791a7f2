namespace Berth.Oci.Runtime;

public static partial class SpecValidator
{
    private sealed partial class Checker
    {
        // Syscalls take at most six arguments (syscall(2)); libseccomp refuses a higher index.
        private const int MaxSyscallArgs = 6;

        private void CheckSeccomp(LinuxSeccomp seccomp)
        {
            const string path = "linux.seccomp";
            if (!SeccompNames.Actions.Contains(seccomp.DefaultAction))
            {
                throw Fail($"{path}.defaultAction", $"unknown action {Quote(seccomp.DefaultAction)}");
            }

            CheckNames(seccomp.Architectures, SeccompNames.Architectures, $"{path}.architectures", "architecture");
            CheckNames(seccomp.Flags, SeccompNames.Flags, $"{path}.flags", "flag");

            if (seccomp.Syscalls is not { } syscalls)
            {
                return;
            }

            for (var i = 0; i < syscalls.Count; i++)
            {
                var syscall = Item(syscalls, i, $"{path}.syscalls");
                var at = $"{path}.syscalls[{i}]";
                if (syscall.Names is not { Count: > 0 })
                {
                    throw Fail($"{at}.names", "must not be empty");
                }

                CheckStrings(syscall.Names, $"{at}.names");
                if (!SeccompNames.Actions.Contains(syscall.Action))
                {
                    throw Fail($"{at}.action", $"unknown action {Quote(syscall.Action)}");
                }

                if (syscall.Args is not { } args)
                {
                    continue;
                }

                for (var j = 0; j < args.Count; j++)
                {
                    var arg = Item(args, j, $"{at}.args");
                    if (arg.Index >= MaxSyscallArgs)
                    {
                        throw Fail($"{at}.args[{j}].index", $"must be less than {MaxSyscallArgs}");
                    }

                    if (!SeccompNames.Operators.Contains(arg.Op))
                    {
                        throw Fail($"{at}.args[{j}].op", $"unknown operator {Quote(arg.Op)}");
                    }
                }
            }
        }

        private void CheckNames(List<string>? names, IReadOnlyList<string> known, string path, string what)
        {
            if (names is null)
            {
                return;
            }

            CheckStrings(names, path);
            for (var i = 0; i < names.Count; i++)
            {
                if (!known.Contains(names[i]))
                {
                    throw Fail($"{path}[{i}]", $"unknown {what} {Quote(names[i])}");
                }
            }
        }
    }
}
