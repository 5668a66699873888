using System.Buffers.Binary;
using System.Net;
using System.Text;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// What every message looks like on the wire: the reason phrase of every error response (RFC 8489 §14.8), and the
/// framing of a TCP connection after bytes the server cannot take as a message (RFC 8489 §5, §6.3; RFC 8656 §12).
/// </summary>
internal static class FormatCases
{
    /// <summary>How many characters a reason phrase must stay below (RFC 8489 §14.8, RFC 8656 §18.12).</summary>
    public const int ReasonPhraseCharacters = 128;

    private const string KeepsAnsweringText =
        "If any errors are detected, the message is silently discarded. […] (§6.3.1) Otherwise, the server then does any " +
        "additional checking that the method or the specific usage requires. If all the checks succeed, the server formulates " +
        "a success response as described below.";

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8489, "14.8", 1, RequirementLevel.Must, "Every error response's reason phrase is UTF-8 text of fewer than 128 characters, without NUL padding",
            "The ERROR-CODE attribute is used in error response messages. It contains a numeric error code value in the range of " +
            "300 to 699 plus a textual reason phrase encoded in UTF-8 [RFC3629] […] The reason phrase MUST be a UTF-8-encoded " +
            "[RFC3629] sequence of fewer than 128 characters (which can be as long as 509 bytes when encoding them or 763 bytes " +
            "when decoding them). (§14) The value in the Length field MUST contain the length of the Value part of the attribute, " +
            "prior to padding, measured in bytes.",
            ["Allocate error: required ERROR-CODE", "Binding error: required ERROR-CODE"], ReasonPhrasesAsync),
        ServerCase.Define(8489, "6.3", 4, RequirementLevel.Must, "Over TCP, a STUN message with a bad length is discarded and the connection is closed or keeps answering",
            "(§5) The message length MUST contain the size of the message in bytes, not including the 20-byte STUN header. Since " +
            "all STUN attributes are padded to a multiple of 4 bytes, the last 2 bits of this field are always zero. This provides " +
            "another way to distinguish STUN packets from packets of other protocols. (§6.3) It " +
            "checks that the first two bits are 0, that the Magic Cookie field has the correct value, that the message length is " +
            "sensible, and that the method value is a supported method. […] " + KeepsAnsweringText,
            [], BadLengthOverTcpAsync),
        ServerCase.Define(8656, "12", 1, RequirementLevel.Must, "Over TCP, bytes that are neither STUN nor ChannelData are dropped and the connection is closed or keeps answering",
            "According to [RFC7983], ChannelData messages can be distinguished from other multiplexed protocols by examining the " +
            "first byte of the message: […] (Table 3) Others | Reserved; MUST be dropped and an alert MAY be logged […] (§12.6) If the message " +
            "uses a value in the reserved range (0x5000 through 0xFFFF), then the message is silently discarded. (RFC 8489 §6.3) " +
            KeepsAnsweringText,
            [], NotStunOverTcpAsync),
    ];

    /// <summary>
    /// Null when <paramref name="reason"/> is a valid reason phrase (RFC 8489 §14.8, RFC 8656 §18.12): UTF-8, fewer than
    /// 128 characters, and no NUL (a NUL padding is padding counted in the attribute's Length, RFC 8489 §14); else what is wrong.
    /// </summary>
    public static string? ReasonPhraseProblem(byte[] reason)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(reason);
        }
        catch (DecoderFallbackException e)
        {
            return $"is not UTF-8 (invalid byte 0x{e.BytesUnknown?.FirstOrDefault():X2} at offset {e.Index}; bytes {Convert.ToHexString(reason)})";
        }
        var characters = text.EnumerateRunes().Count();
        if (characters >= ReasonPhraseCharacters) return $"has {characters} characters, not fewer than {ReasonPhraseCharacters}";
        var trailing = reason.Length - reason.AsSpan().TrimEnd((byte)0).Length;
        if (trailing > 0 && trailing == reason.Count(b => b == 0))
            return $"ends with {trailing} NUL byte{(trailing == 1 ? "" : "s")}: padding to 4 bytes counted in the attribute's Length as part of the phrase";
        if (text.Contains('\0')) return $"contains NUL characters ({Convert.ToHexString(reason)})";
        return null;
    }

    /// <summary>The error responses the suite provokes anyway, each from the same or a fresh 5-tuple, their reason phrases checked.</summary>
    private static async Task<CaseVerdict> ReasonPhrasesAsync(ServerCaseContext context)
    {
        var replies = new List<(string Sent, StunReply Reply)>();
        var bindingConnection = context.OpenUdp();
        var binding = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) => b.Add(BindingCases.UnassignedRequired, [1, 2, 3, 4]));
        if (await StunExchange.RequestAsync(bindingConnection, binding, context.ResponseTimeout, context.Cancel) is { } unknown)
            replies.Add(($"a Binding with unknown comprehension-required attribute 0x{BindingCases.UnassignedRequired:X4}", unknown));

        var plain = context.OpenUdp();
        var challenge = await StunExchange.RequireAsync(plain, StunRequest.Build(TurnMethods.Allocate, StunRequest.NewTransactionId(),
            TurnSession.RequestedTransport(TurnSession.UdpProtocol)), context.ResponseTimeout, "an Allocate without credentials", context.Cancel);
        replies.Add(("an Allocate without credentials", challenge));

        var session = await context.OpenSessionAsync();
        replies.Add(("an authenticated Allocate without REQUESTED-TRANSPORT", await session.RequestAsync(TurnMethods.Allocate, null, "an Allocate without REQUESTED-TRANSPORT")));
        replies.Add(("an authenticated Allocate for transport protocol 7", await session.RequestAsync(TurnMethods.Allocate, TurnSession.RequestedTransport(7), "an Allocate for protocol 7")));
        replies.Add(("an authenticated Refresh on a 5-tuple without allocation", await session.RefreshAsync(600)));
        replies.Add(("an Allocate with a wrong password", await session.RequestAsync(TurnMethods.Allocate, TurnSession.RequestedTransport(TurnSession.UdpProtocol),
            "an Allocate with a wrong password", credential: session.CredentialFor(context.Target.Username, context.Target.Password + "-wrong"))));
        var nonce = session.Credential.Nonce;
        replies.Add(("an Allocate with an altered NONCE", await session.RequestAsync(TurnMethods.Allocate, TurnSession.RequestedTransport(TurnSession.UdpProtocol),
            "an Allocate with an altered NONCE", transactionId: StunRequest.NewTransactionId(), credential: session.Credential with { Nonce = nonce[..^1] + (nonce[^1] == 'A' ? 'B' : 'A') })));

        var ipv6 = await context.OpenSessionAsync();
        replies.Add(("an Allocate with REQUESTED-ADDRESS-FAMILY IPv6", await ipv6.RequestAsync(TurnMethods.Allocate, (ref StunMessageBuilder b) =>
        {
            TurnSession.RequestedTransport(TurnSession.UdpProtocol)(ref b);
            b.Add(TurnAttributeTypes.RequestedAddressFamily, [StunAddress.FamilyIPv6, 0, 0, 0]);
        }, "an Allocate for an IPv6 relayed address")));

        var allocated = await context.OpenSessionAsync();
        var allocation = await allocated.AllocateAsync();
        replies.Add(("an authenticated Allocate", allocation));
        if (allocation.IsSuccess)
        {
            replies.Add(("a second Allocate on an allocated 5-tuple", await allocated.AllocateAsync()));
            replies.Add(("a CreatePermission for IPv6 peer ::1 on an IPv4 allocation", await allocated.CreatePermissionAsync(new IPEndPoint(IPAddress.IPv6Loopback, 9))));
            replies.Add(("a CreatePermission for 0.0.0.1", await allocated.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse("0.0.0.1"), 9))));
            replies.Add(("a ChannelBind of 0x3FFF", await allocated.ChannelBindAsync(0x3FFF, new IPEndPoint(allocated.Connection.Local.Address, 9))));
        }

        var errors = replies.Where(r => r.Reply.IsError && r.Reply.ErrorCode is not null).ToList();
        if (errors.Count == 0)
            return CaseVerdict.Inconclusive($"sent {string.Join("; ", replies.Select(r => r.Sent))}: none got an error response with ERROR-CODE, so no reason phrase to check");
        var bad = errors.Select(e => (e.Sent, e.Reply, Problem: ReasonPhraseProblem(e.Reply.ReasonBytes))).Where(e => e.Problem is not null).ToList();
        var checkedCodes = string.Join(", ", errors.Select(e => $"{e.Reply.ErrorCode} \"{StunReply.Printable(e.Reply.Reason)}\"").Distinct());
        return bad.Count == 0
            ? CaseVerdict.Pass($"checked the reason phrases of {errors.Count} error responses: {checkedCodes}")
            : CaseVerdict.Fail(string.Join("; ", bad.Select(b => $"sent {b.Sent}, got {b.Reply.ErrorCode} whose reason phrase \"{StunReply.Printable(b.Reply.Reason)}\" {b.Problem}")) +
                $" (of {errors.Count} error responses: {checkedCodes})");
    }

    /// <summary>A frame the server cannot take as a valid message, sent on its own TCP connection.</summary>
    private sealed record Malformed(string Description, byte[] Bytes);

    private static byte[] BindingHeader(int length, byte[] transactionId)
    {
        var header = new byte[StunHeader.Length];
        BinaryPrimitives.WriteUInt16BigEndian(header, StunMessageType.Encode(StunMethods.Binding, StunClass.Request));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(StunHeader.LengthOffset), (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(StunHeader.CookieOffset), StunHeader.MagicCookie);
        transactionId.CopyTo(header.AsSpan(StunHeader.TransactionIdOffset));
        return header;
    }

    private static Task<CaseVerdict> BadLengthOverTcpAsync(ServerCaseContext context)
    {
        // SOFTWARE (0x8022) with the 1-byte value "x": the Message Length of a sender that forgets the padding is 5.
        byte[] software = [0x80, 0x22, 0x00, 0x01, (byte)'x'];
        return MalformedOverTcpAsync(context,
        [
            new("a Binding request whose Message Length is 5 (a 1-byte SOFTWARE value, unpadded), followed by those 5 bytes",
                [.. BindingHeader(5, StunRequest.NewTransactionId()), .. software]),
            new("a Binding request whose Message Length is 5 while 8 bytes follow (the 1-byte SOFTWARE value padded, the length not)",
                [.. BindingHeader(5, StunRequest.NewTransactionId()), .. software, 0, 0, 0]),
            new("a Binding request whose Message Length is 8 but whose SOFTWARE attribute claims 40 bytes",
                [.. BindingHeader(8, StunRequest.NewTransactionId()), 0x80, 0x22, 0x00, 40, (byte)'a', (byte)'b', (byte)'c', (byte)'d']),
        ],
        // Overrunning: the server may wait for the rest as long as it likes, but not stop serving other connections.
        pending: new("a Binding request header whose Message Length is 400, followed by 8 bytes only", [.. BindingHeader(400, StunRequest.NewTransactionId()), 0, 0, 0, 0, 0, 0, 0, 0]));
    }

    private static Task<CaseVerdict> NotStunOverTcpAsync(ServerCaseContext context) => MalformedOverTcpAsync(context,
    [
        new("20 bytes of 0xFF (first byte in the reserved range of RFC 8656 Table 3)", Enumerable.Repeat((byte)0xFF, 20).ToArray()),
        new("a ChannelData-like frame on reserved channel 0x5000 (4-byte header, length 4, 4 bytes)", [0x50, 0x00, 0x00, 0x04, 1, 2, 3, 4]),
    ], pending: null);

    /// <summary>
    /// Each malformed frame on its own TCP connection (concurrently): no response to it within the silence window, then
    /// the server must either have closed the connection or answer a valid Binding sent next on it — a connection that stays
    /// open and answers nothing fails. <paramref name="pending"/> is left unfinished on one more connection while a new
    /// connection's Binding must still be answered.
    /// </summary>
    private static async Task<CaseVerdict> MalformedOverTcpAsync(ServerCaseContext context, IReadOnlyList<Malformed> frames, Malformed? pending)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var outcomes = await Task.WhenAll(frames.Select(frame => AfterMalformedAsync(context, frame)));
        var details = outcomes.Select(o => o.Detail).ToList();
        if (pending is not null)
        {
            var open = await context.ConnectTcpAsync();
            await open.SendAsync(pending.Bytes, context.Cancel);
            details.Add($"sent {pending.Description} {Verdicts.From(open)} and left it unfinished");
        }
        var fresh = await context.ConnectTcpAsync();
        var reply = await StunExchange.RequestAsync(fresh, StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId()), context.ResponseTimeout, context.Cancel);
        var failed = outcomes.Where(o => !o.Ok).Select(o => o.Detail).ToList();
        if (reply is not { IsSuccess: true })
            failed.Add($"a Binding request on a new connection {Verdicts.From(fresh)} then got {reply?.ToString() ?? $"no response within {context.ResponseTimeout.TotalSeconds:0.#} s"}: the server no longer serves TCP");
        else details.Add($"a Binding on a new connection got {reply}");
        return failed.Count == 0 ? CaseVerdict.Pass(string.Join("; ", details)) : CaseVerdict.Fail(string.Join("; ", failed));
    }

    private static async Task<(bool Ok, string Detail)> AfterMalformedAsync(ServerCaseContext context, Malformed frame)
    {
        var connection = await context.ConnectTcpAsync();
        var sent = $"sent {frame.Description} {Verdicts.From(connection)}";
        try
        {
            await connection.SendAsync(frame.Bytes, context.Cancel);
            var answers = await connection.DrainAsync(context.SilenceWindow, context.Cancel);
            if (answers.Count > 0)
                return (false, $"{sent}; expected it to be discarded, got {string.Join("; ", answers.Select(a => StunReply.TryParse(a)?.ToString() ?? $"{a.Length} bytes"))}");
        }
        catch (ServerClosedConnectionException)
        {
            return (true, $"{sent}; the server closed the connection");
        }
        var valid = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId());
        try
        {
            var reply = await StunExchange.RequestAsync(connection, valid, context.ResponseTimeout, context.Cancel);
            if (reply is { IsSuccess: true }) return (true, $"{sent}; no response to it, and a valid Binding sent next on the connection got {reply}");
            return (false, reply is null
                ? $"{sent}; no response to it, and a valid Binding sent next on the same connection got no response within {context.ResponseTimeout.TotalSeconds:0.#} s " +
                  "while the connection stayed open: the connection is stuck (neither answered nor closed)"
                : $"{sent}; a valid Binding sent next on the same connection got {reply}, not a success");
        }
        catch (ServerClosedConnectionException)
        {
            return (true, $"{sent}; no response to it, and the server closed the connection when a valid Binding followed");
        }
    }
}
