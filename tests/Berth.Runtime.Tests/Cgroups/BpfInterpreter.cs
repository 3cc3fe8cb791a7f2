using Berth.Runtime.Cgroups.Devices;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>
/// Runs a device program the way the kernel would call it, for the handful of opcodes the compiler
/// emits; any other opcode fails the test. It lets the compiled program be checked on every device
/// and access without loading it.
/// </summary>
internal static class BpfInterpreter
{
    /// <summary>The program's verdict (1 allow, 0 deny) for an access: type 'b' or 'c', access bits as DeviceAccess.</summary>
    public static long Run(IReadOnlyList<BpfInstruction> program, char type, uint major, uint minor, DeviceAccess access)
    {
        var ctx = new uint[] { ((uint)access << 16) | (type == 'b' ? 1u : 2u), major, minor };
        var r = new ulong[11];
        for (var pc = 0; pc < program.Count; pc++)
        {
            var i = program[pc];
            switch (i.Code)
            {
                case 0x61:
                    Assert.Equal(1, i.Src);
                    r[i.Dst] = ctx[i.Offset / 4];
                    break;
                case 0x54:
                    r[i.Dst] = (uint)r[i.Dst] & (uint)i.Immediate;
                    break;
                case 0x74:
                    r[i.Dst] = (uint)r[i.Dst] >> i.Immediate;
                    break;
                case 0xb4:
                    r[i.Dst] = (uint)i.Immediate;
                    break;
                case 0xbc:
                    r[i.Dst] = (uint)r[i.Src];
                    break;
                case 0x55:
                    if (r[i.Dst] != (ulong)(long)i.Immediate)
                        pc += i.Offset;
                    break;
                case 0x5d:
                    if (r[i.Dst] != r[i.Src])
                        pc += i.Offset;
                    break;
                case 0x15:
                    if (r[i.Dst] == (ulong)(long)i.Immediate)
                        pc += i.Offset;
                    break;
                case 0x95:
                    return (long)r[0];
                default:
                    Assert.Fail($"unexpected opcode 0x{i.Code:x2} at {pc}");
                    break;
            }
        }

        Assert.Fail("the program ran off its end");
        return -1;
    }
}
