using System.Net;
using IceSpec.Stun;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// The peer policy against the IANA IPv4 and IPv6 Special-Purpose Address Registries, transcribed by hand into
/// Registry/iana-special-purpose.tsv with a decision and a reason per entry (not generated from the policy): a block
/// missing from <see cref="TurnPeerPolicy.SpecialPurpose"/> fails here.
/// </summary>
[Trait("Category", "unit")]
public sealed class SpecialPurposeRegistryTests
{
    private sealed record Row(string Registry, string Block, string Name, string Reference, string Decision, string Reason)
    {
        public override string ToString() => $"{Block} ({Name}, {Reference}): {Decision}";
    }

    private static readonly Row[] Rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Server", "Registry", "iana-special-purpose.tsv"))
        .Skip(1)
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line => line.Split('\t'))
        .Select(f => new Row(f[0], f[1], f[2], f[3], f[4], f[5]))
        .ToArray();

    private static readonly TurnPeerPolicy Policy = new();

    /// <summary>The first, a middle and the last address of a block.</summary>
    private static IEnumerable<IPAddress> Samples(string block)
    {
        var slash = block.IndexOf('/');
        var bytes = IPAddress.Parse(block[..slash]).GetAddressBytes();
        var length = int.Parse(block[(slash + 1)..]);
        var last = (byte[])bytes.Clone();
        var middle = (byte[])bytes.Clone();
        for (var bit = length; bit < bytes.Length * 8; bit++)
        {
            last[bit / 8] |= (byte)(0x80 >> (bit % 8));
            if (bit == length + 1 || bit == bytes.Length * 8 - 3) middle[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }
        return [new IPAddress(bytes), new IPAddress(middle), new IPAddress(last)];
    }

    private static bool Allowed(IPAddress address) => Policy.IsAllowed(TurnEndpoint.From(address, 3478));

    [Fact]
    public void The_transcription_covers_both_registries()
    {
        Assert.Equal(25, Rows.Count(r => r.Registry == "ipv4"));
        Assert.Equal(25, Rows.Count(r => r.Registry == "ipv6"));
        Assert.All(Rows, r => Assert.Contains(r.Decision, new[] { "refuse", "embedded" }));
        Assert.All(Rows, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason), $"{r}: no reason"));
        Assert.Contains(Rows, r => r.Block == "64:ff9b:1::/48" && r.Reference == "RFC 8215" && r.Decision == "refuse");
    }

    [Fact]
    public void Every_refused_block_is_refused_wholly()
    {
        foreach (var row in Rows.Where(r => r.Decision == "refuse"))
            foreach (var address in Samples(row.Block))
                Assert.False(Allowed(address), $"{address} is allowed, but {row} — {row.Reason}");
    }

    [Theory]
    [InlineData("::ffff:{0}")]
    [InlineData("64:ff9b::{0}")]
    public void Embedding_blocks_are_judged_by_the_IPv4_address_inside(string form)
    {
        // Every refused IPv4 block stays refused in the embedding form; a public address is allowed in it.
        foreach (var row in Rows.Where(r => r.Registry == "ipv4" && r.Decision == "refuse"))
            foreach (var address in Samples(row.Block))
                Assert.False(Allowed(IPAddress.Parse(string.Format(form, address))), $"{string.Format(form, address)}: {row}");
        Assert.True(Allowed(IPAddress.Parse(string.Format(form, "8.8.8.8"))));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("192.0.1.1")]      // just past 192.0.0.0/24
    [InlineData("2606:4700::1111")]
    [InlineData("2001:200::1")]    // just past 2001::/23
    [InlineData("64:ff9b:2::1")]   // just past the local-use NAT64 /48
    public void Public_unicast_is_allowed(string address) => Assert.True(Allowed(IPAddress.Parse(address)));

    [Fact]
    public void Local_use_Nat64_is_refused_unless_explicitly_allowed()
    {
        var peer = TurnEndpoint.From(IPAddress.Parse("64:ff9b:1::a00:1"), 3478);
        Assert.False(Policy.IsAllowed(peer));
        Assert.True(new TurnPeerPolicy(allowed: [IpPrefix.Parse("64:ff9b:1::/48")]).IsAllowed(peer));
    }
}
