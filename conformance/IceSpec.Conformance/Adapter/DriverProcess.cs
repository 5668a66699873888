using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// One running driver (conformance/ADAPTER.md): commands go to its stdin as JSON lines, events are read from its stdout,
/// its stderr is kept as the log. Every event gets a <c>receivedAt</c> member (ISO 8601). Disposing kills it by PID
/// (with its child processes) if it is still running.
/// </summary>
public sealed class DriverProcess : IAsyncDisposable
{
    private const int StderrTailLines = 25;
    private readonly DriverSpec _driver;
    private readonly Process _process;
    private readonly StreamWriter? _log;
    private readonly StreamWriter? _transcript;
    private readonly object _gate = new();
    private readonly List<JsonObject> _events = [];
    private readonly Dictionary<string, int> _consumed = new(StringComparer.Ordinal);
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _stdin = new(1, 1);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _readers;
    private int? _exitCode;

    private DriverProcess(DriverSpec driver, Process process, StreamWriter? log, StreamWriter? transcript)
    {
        _driver = driver;
        _process = process;
        _log = log;
        _transcript = transcript;
        var stdout = Task.Run(ReadEventsAsync);
        var stderr = Task.Run(ReadLogAsync);
        _readers = Task.Run(async () =>
        {
            await Task.WhenAll(stdout, stderr);
            await _process.WaitForExitAsync();
            lock (_gate) _exitCode = _process.ExitCode;
            Pulse();
        });
    }

    /// <summary>Prepares the driver (<see cref="DriverRegistry.PrepareAsync"/>: once per process) and starts it.</summary>
    public static async Task<DriverProcess> StartAsync(DriverSpec driver, DriverStartOptions options, CancellationToken ct) =>
        Start(driver, await DriverRegistry.PrepareAsync(driver, ct), options);

    /// <summary>Starts <paramref name="launch"/> as <paramref name="driver"/>; a program that cannot be started is a <see cref="DriverException"/>.</summary>
    public static DriverProcess Start(DriverSpec driver, DriverLaunch launch, DriverStartOptions options)
    {
        var info = new ProcessStartInfo
        {
            WorkingDirectory = launch.WorkingDirectory ?? "",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        if (options.NetworkNamespace is { } ns)
        {
            // `ip netns exec` execs the driver in place: the PID we hold is the driver's.
            info.FileName = "ip";
            foreach (var a in new[] { "netns", "exec", ns, launch.FileName }) info.ArgumentList.Add(a);
        }
        else
        {
            info.FileName = launch.FileName;
        }
        foreach (var a in launch.Arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in launch.Environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var log = options.LogPath is { } path ? new StreamWriter(path, append: false) { AutoFlush = true } : null;
        var transcript = options.TranscriptPath is { } lines ? new StreamWriter(lines, append: false) { AutoFlush = true } : null;
        try
        {
            var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
            return new DriverProcess(driver, process, log, transcript);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log?.Dispose();
            transcript?.Dispose();
            var hint = driver.Requires is null ? "" : " " + driver.Requires;
            throw new DriverException(driver.Name, $"cannot start '{launch.FileName}': {e.Message}.{hint}", inner: e);
        }
    }

    public int ProcessId => _process.Id;
    public string Name => _driver.Name;

    public IReadOnlyList<JsonObject> Events
    {
        get { lock (_gate) return _events.ToArray(); }
    }

    public string StandardError
    {
        get { lock (_gate) return _stderr.ToString(); }
    }

    public int? ExitCode
    {
        get { lock (_gate) return _exitCode; }
    }

    public async Task SendAsync(JsonObject command, CancellationToken ct = default)
    {
        var line = command.ToJsonString();
        await _stdin.WaitAsync(ct);
        try
        {
            if (_transcript is not null)
            {
                var sent = command.DeepClone().AsObject();
                sent["sentAt"] = DateTimeOffset.UtcNow.ToString("O");
                Transcribe(sent);
            }
            await _process.StandardInput.WriteLineAsync(line.AsMemory(), ct);
            await _process.StandardInput.FlushAsync(ct);
        }
        catch (IOException e)
        {
            // The driver is exiting: let its last events (say, "unsupported") and its exit code arrive first.
            await _readers.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
            throw Failure($"cannot send {line}: the driver's stdin is closed (exit code: {ExitCode?.ToString() ?? "none yet"})", e);
        }
        finally
        {
            _stdin.Release();
        }
    }

    /// <summary>
    /// The next <paramref name="eventName"/> event after the last one this method returned for that name (earlier ones
    /// included). Throws <see cref="DriverException"/> on timeout, on exit, and on <c>unsupported</c>.
    /// </summary>
    public async Task<JsonObject> WaitForEventAsync(string eventName, TimeSpan timeout, CancellationToken ct = default)
    {
        int start;
        lock (_gate) start = _consumed.GetValueOrDefault(eventName);
        var (index, found) = await WaitAsync(start, e => EventName(e) == eventName, $"event '{eventName}'", timeout, ct);
        lock (_gate) _consumed[eventName] = Math.Max(_consumed.GetValueOrDefault(eventName), index + 1);
        return found;
    }

    /// <summary>The event at position <paramref name="index"/> of <see cref="Events"/>, waiting for it to arrive.</summary>
    public async Task<JsonObject> WaitForEventAtAsync(int index, TimeSpan timeout, CancellationToken ct = default) =>
        (await WaitAsync(index, _ => true, $"event #{index + 1}", timeout, ct)).Event;

    private async Task<(int Index, JsonObject Event)> WaitAsync(int from, Func<JsonObject, bool> match, string what,
        TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (var i = from; i < _events.Count; i++)
                {
                    if (match(_events[i])) return (i, _events[i]);
                    if (EventName(_events[i]) == "unsupported")
                        throw Failure($"unsupported: {_events[i]["command"]}", unsupported: true);
                }
                from = _events.Count;
                if (_exitCode is { } code)
                    throw Failure($"exited with code {code} while waiting for {what}", unsupported: code == 127);
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw Failure($"no {what} within {timeout.TotalSeconds:0.#} s");
            }
        }
    }

    private static string? EventName(JsonObject e) => e["event"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private DriverException Failure(string message, Exception? inner = null, bool unsupported = false)
    {
        var errors = Events.Where(e => EventName(e) == "error").Select(e => (string?)e["message"]).TakeLast(3).ToList();
        if (errors.Count > 0) message += $" (its last error events: {string.Join(" | ", errors)})";
        unsupported |= ExitCode == 127 || Events.Any(e => EventName(e) == "unsupported");
        return new DriverException(_driver.Name, message, DriverBuildCache.Tail(StandardError.TrimEnd(), StderrTailLines), ExitCode, unsupported, inner);
    }

    private async Task ReadEventsAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Trim().Length == 0) continue;
            JsonObject e;
            try
            {
                e = JsonNode.Parse(line) as JsonObject ?? new JsonObject { ["event"] = "invalid-output", ["line"] = line };
            }
            catch (JsonException)
            {
                e = new JsonObject { ["event"] = "invalid-output", ["line"] = line };
            }
            e["receivedAt"] = DateTimeOffset.UtcNow.ToString("O");
            lock (_gate) _events.Add(e);
            Transcribe(e);
            Pulse();
        }
    }

    private async Task ReadLogAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_gate) _stderr.Append(line).Append('\n');
            _log?.WriteLine(line);
        }
    }

    private void Transcribe(JsonObject message)
    {
        if (_transcript is null) return;
        var line = message.ToJsonString();
        lock (_transcript) _transcript.WriteLine(line);
    }

    private void Pulse()
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            done = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // exited between the check and the kill
        }
        await _readers.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        _process.Dispose();
        if (_log is not null) await _log.DisposeAsync();
        if (_transcript is not null)
            lock (_transcript) _transcript.Dispose();
        _stdin.Dispose();
    }
}
