using System.Net;
using IceSpec.Stun;
using IceSpec.Turn.Server;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Tests.Server;

/// <summary>The settings table shared by flags and config files, the users file formats, and the runner.</summary>
[Trait("Category", "unit")]
public sealed class TurnServerConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-turn-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Config_file_uses_the_flag_names_and_coturn_lines_load()
    {
        var users = Write("users", "# users\nalice:secret\nuser=bob:pa:ss\ncarol:0x" + Convert.ToHexString(StunKey.LongTerm("carol", "example.org", "pw").Bytes) + "\n\n");
        var config = Write("turnserver.conf", $"""
            # a coturn-style file
            listening-ip=127.0.0.1
            listening-port=3479
            min-port 50000
            --max-port=50100
            realm=example.org
            users-file={users}
            user=dave:x
            static-auth-secret=north
            lt-cred-mech
            fingerprint
            no-multicast-peers
            allow-loopback-peers
            allowed-peer-ip=10.1.0.0/16
            denied-peer-ip=198.51.100.7
            user-quota=3
            total-quota=100
            max-allocate-lifetime=1800
            stale-nonce=120
            alternate-server=192.0.2.1:3478
            log-format=json
            verbose
            """);
        var options = TurnServerConfig.Build(TurnServerConfig.ReadFile(config));
        Assert.Equal([IPAddress.Parse("127.0.0.1")], options.ListeningIps);
        Assert.Equal(3479, options.ListeningPort);
        Assert.Equal((50000, 50100), (options.MinPort, options.MaxPort));
        var server = options.Server;
        Assert.Equal("example.org", server.Credentials!.Realm);
        Assert.Equal(4, server.Credentials.UserCount);
        Assert.True(server.Credentials.UsesRestApi);
        Assert.Equal((3, 100), (server.UserQuota, server.TotalQuota));
        Assert.Equal(TimeSpan.FromSeconds(1800), server.MaxLifetime);
        Assert.Equal(TimeSpan.FromSeconds(120), server.NonceLifetime);
        Assert.Equal([TurnEndpoint.Parse("192.0.2.1:3478")], server.AlternateServers);
        Assert.Equal((TurnLogFormat.Json, LogLevel.Debug), (options.LogFormat, options.LogLevel));
        Assert.True(server.PeerPolicy.IsAllowed(TurnEndpoint.Parse("127.0.0.1:1")));
        Assert.True(server.PeerPolicy.IsAllowed(TurnEndpoint.Parse("10.1.2.3:1")));
        Assert.False(server.PeerPolicy.IsAllowed(TurnEndpoint.Parse("10.2.0.1:1")));
        Assert.False(server.PeerPolicy.IsAllowed(TurnEndpoint.Parse("198.51.100.7:1")));
        Assert.True(server.PeerPolicy.IsAllowed(TurnEndpoint.Parse("8.8.8.8:53")));

        // The users file's three forms all yield working keys: a password containing ':' and coturn's 0x MD5 key.
        var keys = new List<StunKey>();
        server.Credentials.FindKeys("bob", StunPasswordAlgorithm.Md5, 0, keys, out _);
        Assert.Equal(StunKey.LongTerm("bob", "example.org", "pa:ss").Bytes.ToArray(), Assert.Single(keys).Bytes.ToArray());
        keys.Clear();
        server.Credentials.FindKeys("carol", StunPasswordAlgorithm.Md5, 0, keys, out _);
        Assert.Equal(StunKey.LongTerm("carol", "example.org", "pw").Bytes.ToArray(), Assert.Single(keys).Bytes.ToArray());
        keys.Clear();
        server.Credentials.FindKeys("carol", StunPasswordAlgorithm.Sha256, 0, keys, out _);
        Assert.Empty(keys); // an MD5 key cannot make a SHA-256 one
    }

    [Theory]
    [InlineData("no-such-setting=1", "unknown setting 'no-such-setting'")]
    [InlineData("listening-port=70000", "not a number from 0 to 65535")]
    [InlineData("user=nopassword", "expected 'user:password'")]
    [InlineData("allowed-peer-ip=10.0.0.0/33", "prefix length must be 0 to 32")]
    [InlineData("alt-listening-ip=127.0.0.2", "needs both alt-listening-ip and alt-listening-port")]
    [InlineData("allow-loopback-peers=maybe", "is a switch")]
    [InlineData("realm", "needs a value")]
    [InlineData("userdb=/var/lib/turn/turndb", "coturn's SQLite user database is not supported: put the users in a file")]
    [InlineData("no-auth", "TURN requests are always authenticated")]
    [InlineData("relay-threads=many", "not a number from 0 to 1024")]
    public void Bad_settings_say_where_and_why(string line, string message)
    {
        var config = Write("bad.conf", "# first line\n" + line + "\n");
        var error = Assert.Throws<TurnConfigException>(() => TurnServerConfig.Build(TurnServerConfig.ReadFile(config)));
        Assert.Contains(message, error.Message);
        if (!line.StartsWith("alt-", StringComparison.Ordinal)) Assert.StartsWith(config + ":2: ", error.Message);
    }

    [Fact]
    public void Rest_api_usernames_timestamp_first_or_last_as_coturn()
    {
        Assert.True(TurnCredentials.TryReadRestExpiry("1700000000:alice", ':', out var first));
        Assert.Equal(1700000000, first);
        Assert.True(TurnCredentials.TryReadRestExpiry("alice:1700000001", ':', out var last));
        Assert.Equal(1700000001, last);
        Assert.True(TurnCredentials.TryReadRestExpiry("1700000002", ':', out var bare));
        Assert.Equal(1700000002, bare);
        Assert.False(TurnCredentials.TryReadRestExpiry("alice", ':', out _));
        // The password coturn's REST API clients compute: base64(HMAC-SHA1(secret, username)) (value from Python's hmac).
        Assert.Equal("Cd/49soE35ICqcJF/bCTn8Z4OyE=", TurnCredentials.RestPassword("north", "1700000000:alice"));
    }

    [Fact]
    public async Task Runner_prints_listening_addresses_and_stops_on_cancellation()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var config = Write("run.conf", "listening-ip=127.0.0.1\nlistening-port=0\nuser=alice:secret\nmin-port=64000\nmax-port=64100\n");
        var run = Task.Run(() => TurnServerRunner.Run(config, [new TurnConfigSetting("no-tcp", null, "--no-tcp"), new TurnConfigSetting("log-file", Path.Combine(_directory, "log"), "--log-file")],
            stdout, stderr, stop.Token));
        for (var i = 0; i < 100 && !stdout.ToString().Contains("listening udp"); i++) await Task.Delay(50);
        stop.Cancel();
        Assert.Equal(TurnServerRunner.Ok, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Matches(@"^listening udp 127\.0\.0\.1:\d+\r?\nstopped", stdout.ToString());
        Assert.Contains("event=server.started", File.ReadAllText(Path.Combine(_directory, "log")));
    }

    [Fact]
    public void Runner_bad_setting_is_a_usage_error()
    {
        var stderr = new StringWriter();
        var exit = TurnServerRunner.Run(null, [new TurnConfigSetting("min-port", "x", "--min-port")], new StringWriter(), stderr, CancellationToken.None);
        Assert.Equal(TurnServerRunner.Usage, exit);
        Assert.Contains("--min-port: 'x' is not a number", stderr.ToString());
    }

    [Fact]
    public void Every_key_is_documented_in_the_server_readme()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "runtime", "IceSpec.Turn.Server.Hosting", "README.md"));
        foreach (var key in TurnServerConfig.Keys) Assert.Contains($"`{key.Name}`", readme);
    }

    [Fact]
    public void Every_alias_is_documented_in_the_server_readme_and_names_one_setting()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "runtime", "IceSpec.Turn.Server.Hosting", "README.md"));
        var aliases = TurnServerConfig.Keys.SelectMany(k => k.Aliases).ToList();
        Assert.Equal(aliases.Count, aliases.Distinct(StringComparer.Ordinal).Count());
        foreach (var alias in aliases)
            Assert.True(readme.Contains($"`-{alias}`") || readme.Contains($"`--{alias}`") || readme.Contains($"`{alias}`"), $"alias {alias} is not in the README");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "spec"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
