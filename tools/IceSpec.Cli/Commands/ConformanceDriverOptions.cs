using System.CommandLine;
using System.CommandLine.Parsing;
using IceSpec.Conformance.Adapter;

namespace IceSpec.Cli.Commands;

/// <summary>
/// The options of <c>conformance run|list</c> that add implementations to the bundled ones (conformance/ADAPTER.md
/// "Declaring a driver"): <c>--implementations FILE</c> (repeatable; later files add or replace by name), then
/// <c>--driver NAME=COMMAND</c> with <c>--capabilities</c> and <c>--description</c> after it (<see cref="CommandLineDrivers"/>).
/// </summary>
internal sealed class ConformanceDriverOptions
{
    private readonly Option<string[]> _files = new("--implementations")
    {
        Description = "An implementations file (JSON, conformance/ADAPTER.md) adding or replacing drivers by name; repeatable.",
    };

    private readonly Option<string[]> _drivers = new(CommandLineDrivers.DriverOption)
    {
        Description = "A driver NAME=COMMAND (split like a shell; run in the current directory), followed by its --capabilities; repeatable.",
    };

    private readonly Option<string[]> _capabilities = new(CommandLineDrivers.CapabilitiesOption)
    {
        Description = $"Capabilities of the --driver before it, comma-separated: {string.Join(", ", DriverCapabilities.Known)}.",
    };

    private readonly Option<string[]> _descriptions = new(CommandLineDrivers.DescriptionOption)
    {
        Description = "Description of the --driver before it (default: its command).",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { _files, _drivers, _capabilities, _descriptions }) command.Options.Add(option);
    }

    /// <summary>
    /// Registers the declared drivers with <see cref="DriverRegistry"/>; a bad declaration is a usage error, missing bundled
    /// drivers a setup error (their exit codes), else null.
    /// </summary>
    public int? Register(ParseResult parse, CliConsole console)
    {
        try
        {
            _ = DriverRegistry.All; // the bundled file first: its problem is not the user's file's
        }
        catch (DriverDeclarationException e)
        {
            // The kit's own drivers are installed beside icespec (drivers/, icespec-driver.dll): a broken installation.
            console.Error.WriteLine($"icespec: {e.Message}");
            console.Error.WriteLine($"icespec: the conformance drivers belong beside icespec in {Path.GetDirectoryName(DriverRegistry.BundledImplementationsFile)}: "
                + "reinstall the tool (dotnet tool update icespec) or build tools/IceSpec.Cli from the repository.");
            return ExitCodes.Setup;
        }
        try
        {
            foreach (var file in parse.GetValue(_files) ?? []) DriverRegistry.RegisterFile(file);
            foreach (var declaration in CommandLineDrivers.Parse(InOrder(parse), Directory.GetCurrentDirectory())) DriverRegistry.Register(declaration);
            return null;
        }
        catch (DriverDeclarationException e)
        {
            return console.UsageError(e.Message);
        }
    }

    /// <summary>--driver, --capabilities and --description with their values, in the order they were written.</summary>
    private IEnumerable<(string Option, string Value)> InOrder(ParseResult parse)
    {
        var tokens = parse.Tokens;
        var ours = new[] { _drivers, _capabilities, _descriptions };
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.Option && ours.FirstOrDefault(o => o.Name == tokens[i].Value || o.Aliases.Contains(tokens[i].Value)) is { } option
                && tokens[i + 1].Type == TokenType.Argument)
                yield return (option.Name, tokens[i + 1].Value);
        }
    }
}
