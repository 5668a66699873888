using System.Globalization;
using System.Net;
using IceSpec.Turn.Benchmarks;

// icespec-turn-load run --name ours --server 127.0.0.1:3478 --secret S [--allocations 10000] [--minutes 10] [--ramp 60]
//     [--lifetime 120] [--interval 5] [--peers 4] [--per-source 20] [--server-pid PID] [--relay-ip IP --relay-ports MIN-MAX]
//     [--out report.json]
// icespec-turn-load report --ours ours.json --coturn coturn.json [--markdown table.md] [--svg rss.svg]
try
{
    if (args.Length == 0 || args[0] is "-h" or "--help")
    {
        Console.WriteLine("usage: run --server HOST:PORT --secret S [--name N] [--allocations 10000] [--minutes 10] [--ramp 60] [--lifetime 120]");
        Console.WriteLine("           [--interval 5] [--peers 4] [--per-source 20] [--server-pid PID] [--relay-ip IP --relay-ports MIN-MAX] [--out FILE]");
        Console.WriteLine("       report --ours FILE --coturn FILE [--markdown FILE] [--svg FILE]");
        return 0;
    }
    var options = Options(args.Skip(1).ToArray());
    switch (args[0])
    {
        case "run":
        {
            var relayPorts = options.GetValueOrDefault("relay-ports", "1-65535").Split('-');
            var settings = new LoadSettings
            {
                Name = options.GetValueOrDefault("name", "server"),
                Server = IPEndPoint.Parse(Required(options, "server")),
                Secret = Required(options, "secret"),
                Allocations = Int(options, "allocations", 10_000),
                Hold = TimeSpan.FromMinutes(Double(options, "minutes", 10)),
                Ramp = TimeSpan.FromSeconds(Double(options, "ramp", 60)),
                Lifetime = TimeSpan.FromSeconds(Double(options, "lifetime", 120)),
                SendInterval = TimeSpan.FromSeconds(Double(options, "interval", 5)),
                Peers = Int(options, "peers", 4),
                AllocationsPerSource = Int(options, "per-source", 20),
                ServerPid = options.TryGetValue("server-pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
                RelayIp = options.TryGetValue("relay-ip", out var relay) ? IPAddress.Parse(relay) : null,
                RelayMinPort = int.Parse(relayPorts[0], CultureInfo.InvariantCulture),
                RelayMaxPort = int.Parse(relayPorts[^1], CultureInfo.InvariantCulture),
                Progress = line => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"),
            };
            var report = await new LoadRun(settings).RunAsync();
            if (options.TryGetValue("out", out var path)) File.WriteAllText(path, report.ToJson());
            Console.WriteLine(Comparison.Table([report]));
            foreach (var check in report.Checks) Console.WriteLine($"{(check.Passed ? "ok  " : "FAIL")} {check.Name}: {check.Detail}");
            return report.Passed ? 0 : 1;
        }
        case "report":
        {
            var ours = LoadReport.FromJson(File.ReadAllText(Required(options, "ours")));
            var coturn = LoadReport.FromJson(File.ReadAllText(Required(options, "coturn")));
            var table = Comparison.Table([ours, coturn]) + Environment.NewLine + Comparison.Ratios(ours, coturn);
            Console.WriteLine(table);
            if (options.TryGetValue("markdown", out var markdown)) File.WriteAllText(markdown, Comparison.Markdown(ours, coturn));
            if (options.TryGetValue("svg", out var svg)) File.WriteAllText(svg, RssChart.Render([ours, coturn]));
            return 0;
        }
        default:
            Console.Error.WriteLine($"unknown command '{args[0]}' (run, report)");
            return 2;
    }
}
catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"icespec-turn-load: {e.Message}");
    return 2;
}

static Dictionary<string, string> Options(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) throw new ArgumentException($"expected --name value, got '{args[i]}'");
        options[args[i][2..]] = args[++i];
    }
    return options;
}

static string Required(Dictionary<string, string> options, string name) =>
    options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");

static int Int(Dictionary<string, string> options, string name, int fallback) =>
    options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

static double Double(Dictionary<string, string> options, string name, double fallback) =>
    options.TryGetValue(name, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;
