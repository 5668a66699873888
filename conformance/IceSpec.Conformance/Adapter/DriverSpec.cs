namespace IceSpec.Conformance.Adapter;

/// <summary>
/// An ICE implementation under test, reached through a driver process speaking conformance/ADAPTER.md.
/// Capabilities: "regular", "aggressive" (nomination when controlling), "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy",
/// "ice-tcp" (host TCP candidates, RFC 6544: configure "transports" with tcp), "ice-tcp-passive" (the same with passive
/// candidates only: it never connects out, so only a peer with active candidates reaches it; RFC 6544 §6.2), "ice-tcp-active"
/// (active candidates only: it never accepts a connection, so it reaches only a peer with passive candidates), "restart" (ICE
/// restarts, RFC 8445 §9: the restart command and a later remote-description with new credentials).
/// </summary>
public sealed record DriverSpec(string Name, string Description, IReadOnlyList<string> Capabilities)
{
    /// <summary>Whether the driver declares the capability; "ice-tcp" (active and passive) stands for "ice-tcp-active" and "ice-tcp-passive" too.</summary>
    public bool Supports(string capability) => Capabilities.Contains(capability, StringComparer.Ordinal)
        || (capability is "ice-tcp-active" or "ice-tcp-passive" && Capabilities.Contains("ice-tcp", StringComparer.Ordinal));

    /// <summary>Where it was declared: "bundled", an implementations file's path, "command line", or "registered in code".</summary>
    public string Origin { get; init; } = "registered in code";

    /// <summary>What it needs installed (e.g. which Debian packages): added to the message when it cannot be built, checked or started.</summary>
    public string? Requires { get; init; }
}

/// <summary>
/// How to start a prepared driver: the program, its arguments, extra environment variables and the working directory
/// (null: the kit's own).
/// </summary>
public sealed record DriverLaunch(string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string>? Environment = null,
    string? WorkingDirectory = null);

/// <summary>Where a driver runs (a network namespace made by the lab, else this one) and where its stderr is copied.</summary>
/// <summary>
/// How a driver is started: in <see cref="NetworkNamespace"/>, its stderr written to <see cref="LogPath"/>, and every
/// command sent (with <c>sentAt</c>) and event printed (with <c>receivedAt</c>) written to <see cref="TranscriptPath"/> as
/// JSON lines in order (what <c>icespec diagnose --signalling</c> reads).
/// </summary>
public sealed record DriverStartOptions(string? NetworkNamespace = null, string? LogPath = null, string? TranscriptPath = null);

/// <summary>A driver failed: it exited, timed out, reported <c>unsupported</c> or could not be built.</summary>
public sealed class DriverException : Exception
{
    public DriverException(string driver, string message, string standardErrorTail = "", int? exitCode = null,
        bool isUnsupported = false, Exception? inner = null)
        : base(Compose(driver, message, standardErrorTail), inner)
    {
        Driver = driver;
        StandardErrorTail = standardErrorTail;
        ExitCode = exitCode;
        IsUnsupported = isUnsupported;
    }

    public string Driver { get; }
    /// <summary>The last lines the driver wrote on stderr before the failure.</summary>
    public string StandardErrorTail { get; }
    public int? ExitCode { get; }
    /// <summary>The driver printed <c>unsupported</c> (exit code 127): the cell is unsupported, not failed.</summary>
    public bool IsUnsupported { get; }

    private static string Compose(string driver, string message, string tail) =>
        tail.Length == 0 ? $"driver {driver}: {message}" : $"driver {driver}: {message}\n--- last stderr lines ---\n{tail}";
}
