using System.Text;
using IceSpec.Generators.Binding;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;

namespace IceSpec.Fuzzing.Targets;

/// <summary>
/// The spec language (spec/README.md): <see cref="SpecParser.Parse"/> (Sprache) then <see cref="SpecBinder.Bind"/> over
/// the input as UTF-8. Both report what is wrong as diagnostics (the generator turns them into compiler errors); any
/// exception would be a generator crash (CS8785) in the user's build.
/// </summary>
public sealed class SpecTarget : FuzzTarget
{
    public override string Name => "spec";

    public override string Description => "spec language parser (Sprache) and binder of generators/IceSpec.Generators";

    /// <summary>
    /// Longer inputs are cut here: parsing and binding are linear in the input, and the 100 ms per input holds for
    /// inputs this size (the seeds are the spec files cut into pieces of at most 4 KB at blank lines).
    /// </summary>
    public const int MaxInput = 8192;

    public override void Run(ReadOnlySpan<byte> input)
    {
        var parsed = SpecParser.Parse("fuzz.spec", Encoding.UTF8.GetString(input[..Math.Min(input.Length, MaxInput)]), emit: true);
        SpecBinder.Bind(new EquatableArray<ParsedSpec>(new[] { parsed }));
    }
}
