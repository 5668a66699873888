namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// A step a case needs before its check could not be done (no 401 to learn the realm, an Allocate refused…): the case
/// fails with this message, which says what was sent and what came back.
/// </summary>
public class CaseSetupException(string message) : Exception(message);

/// <summary>The server closed (or reset) the TCP connection a case was reading: a setup failure unless the case expects it.</summary>
public sealed class ServerClosedConnectionException(string message) : CaseSetupException(message);
