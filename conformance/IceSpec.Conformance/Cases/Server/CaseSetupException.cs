namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// A step a case needs before its check could not be done (no 401 to learn the realm, an Allocate refused…): the case
/// fails with this message, which says what was sent and what came back.
/// </summary>
public sealed class CaseSetupException(string message) : Exception(message);
