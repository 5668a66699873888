namespace IceSpec.Conformance.Adapter;

/// <summary>
/// An implementation under test as declared in an implementations file or with <c>--driver</c> (conformance/ADAPTER.md
/// "Declaring a driver"): what it is, what it can do and how to build, check and start it. Argument vectors may hold the
/// placeholders of <see cref="DriverPlaceholders"/>; every step runs in <see cref="SourceDirectory"/>.
/// </summary>
public sealed record DriverDeclaration(
    string Name,
    string Description,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Command,
    string SourceDirectory,
    string Origin,
    IReadOnlyList<string>? Build = null,
    IReadOnlyList<string>? Check = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    string? Requires = null)
{
    public DriverSpec Spec => new(Name, Description, Capabilities) { Origin = Origin, Requires = Requires };
}

/// <summary>An implementations file or a <c>--driver</c> option that cannot be used; the message names the file (or option) and the entry.</summary>
public sealed class DriverDeclarationException(string message, Exception? inner = null) : Exception(message, inner);
