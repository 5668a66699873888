using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Codec;

/// <summary>The hot paths allocate nothing (measured with the GC's per-thread counter, not with time).</summary>
[Trait("Category", "unit")]
public sealed class AllocationTests
{
    [Fact]
    public void Parse_verify_and_read_allocate_nothing()
    {
        var bytes = Rfc5769.SampleRequest.Bytes;
        var key = StunKey.ShortTerm(Rfc5769.ShortTermPassword);
        Assert.True(Work(bytes, key)); // warm up: JIT, the key's kept HMAC state
        var ok = true;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) ok &= Work(bytes, key);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(ok);
        Assert.Equal(0, allocated);

        // No assertions inside the measured work: xunit's Assert allocates.
        static bool Work(byte[] bytes, StunKey key) =>
            StunMessage.TryParse(bytes, out var message) == StunParseStatus.Ok
            && StunIntegrity.VerifyMessageIntegrity(message, key) == IntegrityStatus.Valid
            && StunIntegrity.VerifyFingerprint(message) == IntegrityStatus.Valid
            && message.TryGetUsername(out _)
            && message.TryGetPriority(out _)
            && StunValidator.TryValidate(message, StunValidator.Profile.IceCheck, out _);
    }

    [Fact]
    public void Build_allocates_nothing()
    {
        var key = StunKey.ShortTerm(Rfc5769.ShortTermPassword);
        var buffer = new byte[256];
        var transactionId = new byte[12];
        Work(buffer, transactionId, key);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) Work(buffer, transactionId, key);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void Work(byte[] buffer, byte[] transactionId, StunKey key)
        {
            var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), transactionId);
            builder.AddSoftware("STUN test client", 0x20);
            builder.AddPriority(0x6e0001ff);
            builder.AddIceControlled(0x932ff9b151263b36);
            builder.AddUsername("evtj:h6vY", 0x20);
            builder.AddMessageIntegrity(key);
            builder.AddFingerprint();
        }
    }
}
