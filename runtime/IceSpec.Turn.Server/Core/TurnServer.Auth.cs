using System.Buffers;
using System.Text;
using IceSpec.Stun;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>The long-term credential of an authenticated request (default: not authenticated, responses carry no integrity).</summary>
internal readonly record struct Credential(string? Username, StunKey? Key, bool Sha256Integrity);

/// <summary>The long-term credential mechanism, server side (RFC 8489 §9.2.4; RFC 8656 §5: every TURN request is authenticated).</summary>
public sealed partial class TurnServer
{
    private bool Authenticate(TimeSpan now, in TurnFlow flow, in StunMessage message, out Credential credential)
    {
        credential = default;
        // RFC 8489 §9.2.4: no MESSAGE-INTEGRITY(-SHA256): 401 with REALM and NONCE (and PASSWORD-ALGORITHMS).
        if (!message.HasMessageIntegrity && !message.HasMessageIntegritySha256)
        {
            SendChallenge(now, flow, message, StunErrorCodes.Unauthenticated);
            return false;
        }
        // ... integrity but no USERNAME (USERHASH: username anonymity is not offered), REALM or NONCE: 400.
        if (!message.TryGetUsername(out var usernameUtf8) || !message.TryGetRealm(out var realmUtf8) || !message.TryGetNonce(out var nonce))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "USERNAME, REALM and NONCE are required with MESSAGE-INTEGRITY");
            return false;
        }
        // ... the nonce cookie with the "Password algorithms" bit: PASSWORD-ALGORITHMS must repeat ours and
        // PASSWORD-ALGORITHM pick one of them; neither means MD5.
        var algorithm = StunPasswordAlgorithm.Md5;
        if (NonceOffersPasswordAlgorithms(nonce))
        {
            var hasList = message.TryGetAttribute(StunAttributeTypes.PasswordAlgorithms, out var list);
            var hasChoice = message.TryGetPasswordAlgorithm(out var choice);
            if (hasList || hasChoice)
            {
                if (!hasList || !hasChoice || !list.SequenceEqual(_passwordAlgorithms) ||
                    choice.Algorithm is not ((ushort)StunPasswordAlgorithm.Md5 or (ushort)StunPasswordAlgorithm.Sha256) || choice.Parameters.Length != 0)
                {
                    SendError(flow, message, StunErrorCodes.BadRequest, "PASSWORD-ALGORITHMS does not match, or PASSWORD-ALGORITHM is not one of them");
                    return false;
                }
                algorithm = (StunPasswordAlgorithm)choice.Algorithm;
            }
        }

        var username = Encoding.UTF8.GetString(usernameUtf8);
        var credentials = _options.Credentials;
        string? rejection = null;
        StunKey? matched = null;
        if (credentials is null || !realmUtf8.SequenceEqual(Encoding.UTF8.GetBytes(credentials.Realm)))
        {
            rejection = credentials is null ? "no-credentials-configured" : "wrong-realm";
        }
        else
        {
            _candidateKeys.Clear();
            var unixNow = _options.WallClockAtZero.ToUnixTimeSeconds() + (long)now.TotalSeconds;
            credentials.FindKeys(username, algorithm, unixNow, _candidateKeys, out rejection);
            foreach (var key in _candidateKeys)
            {
                var integrity = message.HasMessageIntegritySha256
                    ? StunIntegrity.VerifyMessageIntegritySha256(message, key)
                    : StunIntegrity.VerifyMessageIntegrity(message, key);
                if (integrity == IntegrityStatus.Valid)
                {
                    matched = key;
                    break;
                }
            }
            if (matched is null) rejection ??= _candidateKeys.Count == 0 ? "unknown-user" : "bad-integrity";
            _candidateKeys.Clear();
        }
        if (matched is null)
        {
            // RFC 8489 §9.2.4: an invalid USERNAME or a wrong MESSAGE-INTEGRITY: 401 (with a fresh challenge).
            _log.AuthFailed(rejection, username, flow.Remote, Name(flow.Transport), MethodName(message.Method));
            _metrics.AuthFailed(rejection ?? "unknown");
            SendChallenge(now, flow, message, StunErrorCodes.Unauthenticated);
            return false;
        }
        // RFC 8489 §9.2.4: an authentic request with a NONCE no longer valid: 438 with a new NONCE.
        if (_nonces.Check(nonce, now, flow.Remote, out _) != TurnNonceStatus.Valid)
        {
            _log.AuthStaleNonce(username, flow.Remote);
            _metrics.NonceRenewed();
            SendChallenge(now, flow, message, StunErrorCodes.StaleNonce);
            return false;
        }
        credential = new Credential(username, matched, message.HasMessageIntegritySha256);
        return true;
    }

    private static bool NonceOffersPasswordAlgorithms(ReadOnlySpan<byte> nonce)
    {
        // RFC 8489 §9.2: "obMatJos2" then the 24 feature bits in 4 base64 characters; bit 0 is "Password algorithms".
        if (nonce.Length < TurnNonceIssuer.Cookie.Length + 4 || !nonce.StartsWith("obMatJos2"u8)) return false;
        Span<char> chars = stackalloc char[4];
        for (var i = 0; i < 4; i++) chars[i] = (char)nonce[TurnNonceIssuer.Cookie.Length + i];
        Span<byte> bits = stackalloc byte[3];
        return Convert.TryFromBase64Chars(chars, bits, out var written) && written == 3 && (bits[0] & 0x80) != 0;
    }

    /// <summary>
    /// 401 or 438 with REALM, a fresh NONCE and PASSWORD-ALGORITHMS, without integrity (RFC 8489 §9.2.4). The 401 is
    /// answered to anyone, so it is as small as RFC 8489 allows (<see cref="FinishUnauthenticated"/>):
    /// <code>
    /// header 20 | ERROR-CODE 4+4 (401, no phrase) | REALM 4+realm | NONCE 4+28 | PASSWORD-ALGORITHMS 4+8
    /// </code>
    /// 84 bytes with realm "icespec" (3.0× a 28-byte Allocate); the 438 goes to a client whose credentials were valid and keeps SOFTWARE and FINGERPRINT.
    /// </summary>
    private void SendChallenge(TimeSpan now, in TurnFlow flow, in StunMessage request, int code)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = BeginError(buffer, request, code, null, withPhrase: code != StunErrorCodes.Unauthenticated);
        builder.AddRealm(_options.Credentials?.Realm ?? _options.Realm);
        builder.AddNonce(_nonces.Issue(now, flow.Remote));
        if (_nonces.PasswordAlgorithms) builder.AddPasswordAlgorithms(_passwordAlgorithms);
        if (code == StunErrorCodes.Unauthenticated)
        {
            FinishUnauthenticated(ref builder, buffer, flow, request);
            return;
        }
        // 438: the request's credentials were valid, so it is not charged to the unauthenticated-rate bucket.
        if (_software.Length > 0) builder.AddSoftware(_software);
        builder.AddFingerprint();
        Enqueue(flow, flow.Local, flow.Remote, buffer, builder.Length);
    }
}
