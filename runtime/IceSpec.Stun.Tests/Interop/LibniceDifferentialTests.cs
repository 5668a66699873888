using System.Net;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Interop;

/// <summary>
/// Differential tests against libnice's STUN library (a real, independent implementation): libnice validates what our
/// builder makes, and our parser validates what libnice builds. Neither side's output is hard-coded.
/// </summary>
[Trait("Category", "interop")]
public sealed class LibniceDifferentialTests : IClassFixture<LibniceStunPeer>
{
    private readonly LibniceStunPeer _libnice;

    public LibniceDifferentialTests(LibniceStunPeer libnice) => _libnice = libnice;

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static TheoryData<string, uint, ulong, bool, bool> IceChecks => new()
    {
        { "evtj:h6vY", 0x6e0001ff, 0x932ff9b151263b36, false, false },
        { "remote:local", 1, 42, true, true },
        { "R\u00E9mi:\u30DE\u30C8", 2130706431, ulong.MaxValue, true, false },
    };

    [Theory]
    [MemberData(nameof(IceChecks))]
    public void Libnice_validates_our_ice_checks(string username, uint priority, ulong tieBreaker, bool controlling, bool useCandidate)
    {
        const string password = "our-password-1234567";
        var buffer = new byte[512];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), RandomTransactionId());
        builder.AddSoftware("IceSpec");
        builder.AddUsername(username);
        builder.AddPriority(priority);
        if (controlling) builder.AddIceControlling(tieBreaker); else builder.AddIceControlled(tieBreaker);
        if (useCandidate) builder.AddUseCandidate();
        builder.AddMessageIntegrity(StunKey.ShortTerm(password));
        builder.AddFingerprint();

        var (exit, lines) = _libnice.Invoke("validate-short", Hex(builder.Written), password);
        Assert.Equal(0, exit);
        Assert.Equal("valid", lines[0]);
        Assert.Contains("class=request", lines);
        Assert.Contains($"username={username}", lines);
        Assert.Contains($"priority={priority}", lines);
        Assert.Contains("fingerprint=ok", lines);

        var (wrongExit, wrong) = _libnice.Invoke("validate-short", Hex(builder.Written), "another-password");
        Assert.Equal(1, wrongExit);
        Assert.Equal("STUN_VALIDATION_UNAUTHORIZED", wrong[0]);
    }

    [Theory]
    [InlineData("192.0.2.1", 32853)]
    [InlineData("2001:db8:1234:5678:11:2233:4455:6677", 32853)]
    [InlineData("10.1.2.3", 1)]
    public void Libnice_validates_our_binding_responses(string address, int port)
    {
        const string password = "response-password";
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), RandomTransactionId());
        builder.AddXorMappedAddress(new StunAddress(new IPEndPoint(IPAddress.Parse(address), port)));
        builder.AddMessageIntegrity(StunKey.ShortTerm(password));
        builder.AddFingerprint();

        var (exit, lines) = _libnice.Invoke("validate-short", Hex(builder.Written), password);
        Assert.Equal(0, exit);
        Assert.Equal("valid", lines[0]);
        Assert.Contains($"xor-mapped={address}:{port}", lines);
    }

    [Fact]
    public void Libnice_validates_our_long_term_request()
    {
        const string username = "alice", realm = "example.org", password = "secret-pass";
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), RandomTransactionId());
        builder.AddUsername(username);
        builder.AddRealm(realm);
        builder.AddNonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
        builder.AddMessageIntegrity(StunKey.LongTerm(username, realm, password));
        builder.AddFingerprint();

        var (exit, lines) = _libnice.Invoke("validate-long", Hex(builder.Written), username, realm, password);
        Assert.Equal(0, exit);
        Assert.Equal("valid", lines[0]);
        Assert.Equal(1, _libnice.Invoke("validate-long", Hex(builder.Written), username, realm, "wrong").Exit);
    }

    [Theory]
    [InlineData("controlling", true)]
    [InlineData("controlled", false)]
    public void We_validate_libnice_ice_checks(string role, bool useCandidate)
    {
        const string username = "remoteufrag:localufrag", password = "libnice-password-xyz";
        const uint priority = 1853824767;
        const ulong tieBreaker = 0x0123456789abcdef;
        var arguments = new List<string> { "build-request", username, password, priority.ToString(), tieBreaker.ToString(), role };
        if (useCandidate) arguments.Add("use-candidate");
        var (exit, lines) = _libnice.Invoke(arguments.ToArray());
        Assert.Equal(0, exit);
        var bytes = Convert.FromHexString(lines[0]);

        var result = StunMessageChecker.Check(bytes, StunKey.ShortTerm(password), out var message, StunValidator.Profile.IceCheck);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.Equal(username, message.GetUsernameString());
        Assert.True(message.TryGetPriority(out var gotPriority));
        Assert.Equal(priority, gotPriority);
        ulong gotTieBreaker = 0;
        Assert.True(role == "controlling" ? message.TryGetIceControlling(out gotTieBreaker) : message.TryGetIceControlled(out gotTieBreaker));
        Assert.Equal(tieBreaker, gotTieBreaker);
        Assert.Equal(useCandidate, message.HasUseCandidate());
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyFingerprint(message));
        Assert.Equal(StunCheckOutcome.IntegrityMismatch, StunMessageChecker.Check(bytes, StunKey.ShortTerm("nope"), out _).Outcome);
    }

    [Theory]
    [InlineData("198.51.100.7", 40000)]
    [InlineData("2001:db8::1", 3478)]
    public void We_validate_libnice_responses_to_our_request(string address, int port)
    {
        const string password = "shared-password";
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), RandomTransactionId());
        builder.AddUsername("a:b");
        builder.AddPriority(7);
        builder.AddIceControlling(9);
        builder.AddMessageIntegrity(StunKey.ShortTerm(password));
        builder.AddFingerprint();

        var (exit, lines) = _libnice.Invoke("build-response", Hex(builder.Written), password, address, port.ToString());
        Assert.Equal(0, exit);
        var result = StunMessageChecker.Check(Convert.FromHexString(lines[0]), StunKey.ShortTerm(password), out var response, StunValidator.Profile.IceCheck);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.Equal(StunClass.Success, response.Class);
        Assert.True(response.TransactionId.SequenceEqual(builder.TransactionId));
        Assert.True(response.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), mapped.ToEndPoint());
    }

    [Fact]
    public void Both_agree_on_every_rfc5769_vector()
    {
        foreach (var vector in new[] { Rfc5769.SampleRequest, Rfc5769.SampleIPv4Response, Rfc5769.SampleIPv6Response })
        {
            Assert.Equal("valid", _libnice.Invoke("validate-short", vector.Hex, Rfc5769.ShortTermPassword).Lines[0]);
            Assert.Equal(StunCheckOutcome.Valid, StunMessageChecker.Check(vector.Bytes, StunKey.ShortTerm(Rfc5769.ShortTermPassword), out _).Outcome);
        }
    }

    private static byte[] RandomTransactionId() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(12);
}
