namespace IceSpec.Fuzzing.Targets;

/// <summary>
/// One fuzz target: an input in, the API under test exercised, nothing out. <see cref="Run"/> lets every exception escape;
/// <see cref="IsDocumented"/> tells which of them the API documents as its answer to bad input. Any other exception, and
/// any <see cref="InvariantViolation"/> a target raises itself, is a crash.
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>The name used on the command line, as the corpus folder (corpus/NAME, regressions/NAME) and in RESULTS.md.</summary>
    public abstract string Name { get; }

    /// <summary>What is exercised, with its RFC.</summary>
    public abstract string Description { get; }

    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>The exceptions the API documents for bad input (none for most: they report errors as results).</summary>
    public virtual bool IsDocumented(Exception exception) => false;

    /// <summary>Runs one input; throws only what is a crash (an undocumented exception or a broken invariant).</summary>
    public void Execute(ReadOnlySpan<byte> input)
    {
        try
        {
            Run(input);
        }
        catch (Exception e) when (IsDocumented(e))
        {
        }
    }
}

/// <summary>A target's own check failed: the API returned something its contract rules out.</summary>
public sealed class InvariantViolation(string message) : Exception(message);

/// <summary>Reads structured input off a fuzz input: past the end every read gives zeros, so any input is a valid script.</summary>
public ref struct FuzzReader(ReadOnlySpan<byte> input)
{
    private ReadOnlySpan<byte> _rest = input;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public byte Byte()
    {
        if (_rest.IsEmpty) return 0;
        var value = _rest[0];
        _rest = _rest[1..];
        return value;
    }

    public ushort UInt16() => (ushort)(Byte() << 8 | Byte());

    /// <summary>Up to <paramref name="length"/> bytes (fewer at the end of the input).</summary>
    public ReadOnlySpan<byte> Bytes(int length)
    {
        var taken = _rest[..Math.Min(length, _rest.Length)];
        _rest = _rest[taken.Length..];
        return taken;
    }
}
