namespace IceSpec.Conformance.Cases.Server;

/// <summary>The checks cases share, each verdict saying what was sent and what came back.</summary>
internal static class Verdicts
{
    /// <summary>Passes when <paramref name="reply"/> is error <paramref name="code"/> carrying every attribute of <paramref name="required"/>.</summary>
    public static CaseVerdict ExpectError(StunReply reply, int code, string sent, params ushort[] required)
    {
        if (reply.ErrorCode != code || !reply.IsError) return CaseVerdict.Fail($"{sent}; expected error {code}, got {reply}");
        var missing = required.Where(a => !reply.Has(a)).Select(StunReply.AttributeName).ToArray();
        return missing.Length > 0
            ? CaseVerdict.Fail($"{sent}; got {code} but without {string.Join(", ", missing)}: {reply}")
            : CaseVerdict.Pass($"{sent}; got {reply}");
    }

    /// <summary>Passes when <paramref name="reply"/> is a success response.</summary>
    public static CaseVerdict ExpectSuccess(StunReply reply, string sent) =>
        reply.IsSuccess ? CaseVerdict.Pass($"{sent}; got {reply}") : CaseVerdict.Fail($"{sent}; expected a success response, got {reply}");

    public static string From(ServerConnection connection) => $"from {connection.Local} ({connection.Transport})";
}
