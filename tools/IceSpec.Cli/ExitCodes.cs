namespace IceSpec.Cli;

/// <summary>What the process exit code means, for every command.</summary>
public static class ExitCodes
{
    /// <summary>Everything checked out: messages parsed, validated and (with a key) verified.</summary>
    public const int Ok = 0;

    /// <summary>The command ran, but some message was malformed, broke a rule, or failed a check; or a stage timed out (--timeout).</summary>
    public const int Failed = 1;

    /// <summary>The command line or the input could not be understood (bad option, not hex, unknown machine…).</summary>
    public const int Usage = 2;

    /// <summary>
    /// Something the command needs is missing or could not be started: an implementation not installed or failing at start,
    /// a system library or program (named with the Debian package that provides it).
    /// </summary>
    public const int Setup = 3;

    /// <summary>Stopped by Ctrl-C or SIGTERM before it finished (128 + SIGINT, as shells report it); what it started was stopped.</summary>
    public const int Interrupted = 130;
}
