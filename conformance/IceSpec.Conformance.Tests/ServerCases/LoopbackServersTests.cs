using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>What the kit's server starter refuses, and how the quota instance is laid out; starting real servers is <see cref="ServerCaseSuiteTests"/>'s.</summary>
[Trait("Category", "unit")]
public sealed class LoopbackServersTests
{
    [Fact]
    public async Task Users_of_two_realms_are_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => LoopbackServers.StartAsync(LabServerKind.IceSpec,
            [LoopbackUser.Conformance, new LoopbackUser("other", "pw", "elsewhere")], LoopbackLimits.Open, Path.GetTempPath(), CancellationToken.None));
        Assert.Contains("one realm; the users have icespec.conformance, elsewhere", error.Message);
    }

    [Theory]
    [InlineData(-1, 4, "the user quota must be 0 (none) or positive, not -1")]
    [InlineData(3, 0, "the relay range must have 1..10000 ports, not 0")]
    public async Task Limits_out_of_range_are_a_clear_error(int quota, int ports, string message)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => LoopbackServers.StartAsync(LabServerKind.IceSpec,
            [LoopbackUser.Conformance], new LoopbackLimits(quota, ports), Path.GetTempPath(), CancellationToken.None));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task No_users_is_a_clear_error() =>
        Assert.Contains("at least one user", (await Assert.ThrowsAsync<ArgumentException>(() => LoopbackServers.StartAsync(LabServerKind.IceSpec,
            [], LoopbackLimits.Open, Path.GetTempPath(), CancellationToken.None))).Message);

    /// <summary>The arithmetic the 486 and 508 cases rely on (LoopbackLimits.Quota's comment).</summary>
    [Fact]
    public void The_quota_instance_reaches_both_limits()
    {
        var limits = LoopbackLimits.Quota;
        Assert.True(limits.UserQuota < limits.RelayPorts, "486: one user's quota must run out while a relay port is still free");
        Assert.True(LoopbackUser.ConformanceOthers.Count * limits.UserQuota > limits.RelayPorts, "508: the other users' combined quota must exceed the relay ports");
        Assert.True(limits.RelayPorts + 1 <= 16, "508 within the case's 16 attempts");
        Assert.All(LoopbackUser.ConformanceOthers, u => Assert.Equal(LoopbackUser.Conformance.Realm, u.Realm));
    }

    [Fact]
    public async Task An_other_user_without_a_name_is_a_clear_error()
    {
        var target = new ServerTarget("bad", "127.0.0.1", 3478, null, "alice", "secret") { OtherUsers = [new ServerUser("", "pw")] };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ServerCaseSuite.RunAsync(target, new ServerCaseOptions(), null, CancellationToken.None));
        Assert.Contains("every other user needs a username and password", error.Message);
    }
}
