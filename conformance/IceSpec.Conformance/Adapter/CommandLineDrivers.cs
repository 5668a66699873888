namespace IceSpec.Conformance.Adapter;

/// <summary>
/// Drivers declared on the command line: <c>--driver NAME=COMMAND</c>, each followed by its <c>--capabilities a,b,…</c>
/// (required) and optionally <c>--description TEXT</c>. Those two describe the nearest <c>--driver</c> to their left,
/// at most once each. COMMAND is split like a shell would (<see cref="ShellWords"/>); it runs in the current directory,
/// against which a relative program path is resolved. No build and no check; the placeholders <c>{kit}</c> and
/// <c>{sources}</c> (the current directory) work when quoted (the shell's braces are operators).
/// </summary>
public static class CommandLineDrivers
{
    public const string Origin = "command line";
    public const string DriverOption = "--driver";
    public const string CapabilitiesOption = "--capabilities";
    public const string DescriptionOption = "--description";

    /// <summary>
    /// <paramref name="options"/>: the <c>--driver</c>, <c>--capabilities</c> and <c>--description</c> options in the
    /// order they were written, each with its value. Problems are <see cref="DriverDeclarationException"/>s.
    /// </summary>
    public static IReadOnlyList<DriverDeclaration> Parse(IEnumerable<(string Option, string Value)> options, string currentDirectory)
    {
        var drivers = new List<Pending>();
        foreach (var (option, value) in options)
        {
            switch (option)
            {
                case DriverOption:
                    drivers.Add(Start(value));
                    break;
                case CapabilitiesOption or DescriptionOption:
                    var target = drivers.LastOrDefault()
                        ?? throw new DriverDeclarationException($"{option} '{value}' comes before any {DriverOption}: it describes the {DriverOption} written before it");
                    if (option == CapabilitiesOption ? target.Capabilities is not null : target.Description is not null)
                        throw new DriverDeclarationException($"{DriverOption} {target.Name}: {option} given twice");
                    if (option == DescriptionOption) target.Description = value;
                    else target.Capabilities = Capabilities(target.Name, value);
                    break;
                default:
                    throw new ArgumentException($"not a driver option: {option}", nameof(options));
            }
        }
        var duplicate = drivers.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new DriverDeclarationException($"{DriverOption} {duplicate.Key} is given twice");
        return [.. drivers.Select(d => Declare(d, currentDirectory))];
    }

    private static Pending Start(string value)
    {
        var equals = value.IndexOf('=');
        if (equals <= 0 || value[(equals + 1)..].Trim().Length == 0)
            throw new DriverDeclarationException($"{DriverOption} '{value}': expected NAME=COMMAND, e.g. {DriverOption} 'mystack=python3 driver.py'");
        var name = value[..equals].Trim();
        if (DriverDeclarationRules.NameProblem(name) is { } bad)
            throw new DriverDeclarationException($"{DriverOption} '{value}': {bad}");
        IReadOnlyList<string> command;
        try
        {
            command = ShellWords.Split(value[(equals + 1)..]);
        }
        catch (FormatException e)
        {
            throw new DriverDeclarationException($"{DriverOption} {name}: cannot split its command: {e.Message}", e);
        }
        if (command.Count == 0)
            throw new DriverDeclarationException($"{DriverOption} {name}: the command is empty");
        return new Pending(name, value[(equals + 1)..].Trim(), command);
    }

    private static IReadOnlyList<string> Capabilities(string driver, string value)
    {
        var words = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return DriverCapabilities.FirstUnknown(words) is { } unknown
            ? throw new DriverDeclarationException($"{DriverOption} {driver}: {DriverCapabilities.UnknownMessage(unknown)}")
            : [.. words.Distinct(StringComparer.Ordinal)];
    }

    private static DriverDeclaration Declare(Pending driver, string currentDirectory)
    {
        var capabilities = driver.Capabilities ?? throw new DriverDeclarationException(
            $"{DriverOption} {driver.Name} needs {CapabilitiesOption} after it (comma-separated: {string.Join(", ", DriverCapabilities.Known)})");
        var declaration = new DriverDeclaration(driver.Name, driver.Description ?? driver.CommandLine, capabilities, driver.Command,
            currentDirectory, Origin);
        return DriverDeclarationRules.Problem(declaration) is { } problem
            ? throw new DriverDeclarationException($"{DriverOption} {driver.Name}: {problem}")
            : declaration;
    }

    private sealed class Pending(string name, string commandLine, IReadOnlyList<string> command)
    {
        public string Name { get; } = name;
        public string CommandLine { get; } = commandLine;
        public IReadOnlyList<string> Command { get; } = command;
        public IReadOnlyList<string>? Capabilities { get; set; }
        public string? Description { get; set; }
    }
}
