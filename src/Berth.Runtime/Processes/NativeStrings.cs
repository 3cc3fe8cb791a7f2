using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Runtime.Processes;

/// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in unmanaged memory (argv, envp).</summary>
public sealed unsafe class NativeStrings : IDisposable
{
    private readonly List<nint> _allocations = [];

    public NativeStrings(IReadOnlyList<string> values)
    {
        Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
            Pointer[i] = Utf8(values[i]);
    }

    public byte** Pointer { get; private set; }

    /// <summary>Copies one string to unmanaged memory owned by this object.</summary>
    public byte* Utf8(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        _allocations.Add((nint)p);
        return p;
    }

    public void Dispose()
    {
        foreach (var p in _allocations)
            NativeMemory.Free((void*)p);
        _allocations.Clear();
        if (Pointer != null)
        {
            NativeMemory.Free(Pointer);
            Pointer = null;
        }
    }
}
