namespace IceSpec.Cli;

/// <summary>The three streams a command reads and writes, injected so tests run the tool in-process.</summary>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error)
{
    /// <summary>Standard input is the terminal itself: reading it waits for the user to type.</summary>
    public bool InputIsTerminal => ReferenceEquals(In, Console.In) && !Console.IsInputRedirected;

    /// <summary>Reports a usage error on stderr and returns <see cref="ExitCodes.Usage"/>.</summary>
    public int UsageError(string message)
    {
        Error.WriteLine("icespec: " + message);
        return ExitCodes.Usage;
    }

    /// <summary>Reports something the command needs that is missing or could not start on stderr and returns <see cref="ExitCodes.Setup"/>.</summary>
    public int SetupError(string message)
    {
        Error.WriteLine("icespec: " + message);
        return ExitCodes.Setup;
    }
}
