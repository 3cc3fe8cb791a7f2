using System.Buffers.Binary;

namespace Berth.Runtime.Cgroups.Devices;

/// <summary>One eBPF instruction (struct bpf_insn, include/uapi/linux/bpf.h).</summary>
public readonly record struct BpfInstruction(byte Code, byte Dst, byte Src, short Offset, int Immediate)
{
    public const int Size = 8;

    public void Encode(Span<byte> destination)
    {
        destination[0] = Code;
        destination[1] = (byte)((Src << 4) | (Dst & 0x0f));
        BinaryPrimitives.WriteInt16LittleEndian(destination[2..], Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Immediate);
    }
}

/// <summary>
/// Compiles a <see cref="DevicePolicy"/> into a BPF_PROG_TYPE_CGROUP_DEVICE program, the v2 way to
/// enforce device access (Documentation/admin-guide/cgroup-v2.rst, "Device controller"). The kernel
/// calls it with a struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, where
/// access_type is (BPF_DEVCG_ACC_* &lt;&lt; 16) | BPF_DEVCG_DEV_*, and allows the access when it returns 1.
/// <code>
///   r2 = ctx->access_type &amp; 0xffff   ; device type
///   r3 = ctx->access_type >> 16      ; access requested
///   r4 = ctx->major ; r5 = ctx->minor
///   for each exception:               ; every test jumps to the next block on mismatch
///     if r2 != type goto next
///     r1 = r3 &amp; access ; allow-list: if r1 != r3 goto next / deny-list: if r1 == 0 goto next
///     if r4 != major goto next ; if r5 != minor goto next   (left out for *)
///     r0 = !default ; exit
///   r0 = default ; exit
/// </code>
/// </summary>
public static class DeviceFilterProgram
{
    /// <summary>The license string the program is loaded with; it calls no GPL-only helper.</summary>
    public const string License = "Apache";

    private const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

    // Opcodes (include/uapi/linux/bpf.h, bpf_common.h).
    private const byte LdxMemW = 0x61;   // BPF_LDX | BPF_MEM | BPF_W
    private const byte Alu32AndK = 0x54; // BPF_ALU | BPF_AND | BPF_K
    private const byte Alu32RshK = 0x74; // BPF_ALU | BPF_RSH | BPF_K
    private const byte Alu32MovK = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
    private const byte Alu32MovX = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
    private const byte JneK = 0x55;      // BPF_JMP | BPF_JNE | BPF_K
    private const byte JneX = 0x5d;      // BPF_JMP | BPF_JNE | BPF_X
    private const byte JeqK = 0x15;      // BPF_JMP | BPF_JEQ | BPF_K
    private const byte Exit = 0x95;      // BPF_JMP | BPF_EXIT

    private const int DevBlock = 1, DevChar = 2;

    public static IReadOnlyList<BpfInstruction> Compile(DevicePolicy policy)
    {
        var program = new List<BpfInstruction>
        {
            new(LdxMemW, R2, R1, 0, 0),
            new(Alu32AndK, R2, 0, 0, 0xffff),
            new(LdxMemW, R3, R1, 0, 0),
            new(Alu32RshK, R3, 0, 0, 16),
            new(LdxMemW, R4, R1, 4, 0),
            new(LdxMemW, R5, R1, 8, 0),
        };

        var match = policy.DefaultAllow ? 0 : 1;
        foreach (var e in policy.Exceptions)
        {
            // Each test is a jump to the end of this block; the offset counts the instructions after it.
            var tests = new List<Func<short, BpfInstruction[]>>
            {
                skip => [new(JneK, R2, 0, skip, e.Type == 'b' ? DevBlock : DevChar)],
            };
            if (e.Access != DeviceAccess.All || policy.DefaultAllow)
            {
                tests.Add(skip => policy.DefaultAllow
                    ? [new(Alu32MovX, R1, R3, 0, 0), new(Alu32AndK, R1, 0, 0, (int)e.Access), new(JeqK, R1, 0, skip, 0)]
                    : [new(Alu32MovX, R1, R3, 0, 0), new(Alu32AndK, R1, 0, 0, (int)e.Access), new(JneX, R1, R3, skip, 0)]);
            }

            if (e.Major is { } major)
                tests.Add(skip => [new(JneK, R4, 0, skip, (int)major)]);
            if (e.Minor is { } minor)
                tests.Add(skip => [new(JneK, R5, 0, skip, (int)minor)]);

            // Lay the block out back to front: each test ends in its jump, and what is already laid out is
            // exactly what that jump must skip.
            var block = new List<BpfInstruction> { new(Alu32MovK, R0, 0, 0, match), new(Exit, 0, 0, 0, 0) };
            for (var t = tests.Count - 1; t >= 0; t--)
                block.InsertRange(0, tests[t]((short)block.Count));

            program.AddRange(block);
        }

        program.Add(new(Alu32MovK, R0, 0, 0, policy.DefaultAllow ? 1 : 0));
        program.Add(new(Exit, 0, 0, 0, 0));
        return program;
    }

    public static byte[] Encode(IReadOnlyList<BpfInstruction> program)
    {
        var bytes = new byte[program.Count * BpfInstruction.Size];
        for (var i = 0; i < program.Count; i++)
            program[i].Encode(bytes.AsSpan(i * BpfInstruction.Size));
        return bytes;
    }
}
