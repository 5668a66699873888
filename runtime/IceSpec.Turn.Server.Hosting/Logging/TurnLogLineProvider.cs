using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

public enum TurnLogFormat : byte
{
    /// <summary><c>time=… level=info event=allocation.created client=… user=…</c></summary>
    KeyValue,
    /// <summary>One JSON object per line.</summary>
    Json,
}

/// <summary>
/// The TURN server's log lines as an <see cref="ILoggerProvider"/>: one line per event, <c>key=value</c> or JSON, written
/// to a sink (the log file or stderr, chosen by the host). The event is the <see cref="EventId.Name"/>
/// (<c>allocation.created</c>…), the fields are the structured values of the message template
/// (<see cref="TurnServerLog"/>), in order; null values are left out (absent, not empty). Client data is escaped
/// (<see cref="TurnLogText"/>). Thread-safe: a line is built and written under a lock.
/// </summary>
public sealed class TurnLogLineProvider : ILoggerProvider
{
    private const string OriginalFormat = "{OriginalFormat}";
    private readonly Action<string> _sink;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly StringBuilder _line = new(256);

    public TurnLogLineProvider(Action<string> sink, LogLevel minimumLevel = LogLevel.Information, TurnLogFormat format = TurnLogFormat.KeyValue, TimeProvider? time = null)
    {
        _sink = sink;
        MinimumLevel = minimumLevel;
        Format = format;
        _time = time ?? TimeProvider.System;
    }

    public LogLevel MinimumLevel { get; }

    public TurnLogFormat Format { get; }

    public ILogger CreateLogger(string categoryName) => new LineLogger(this);

    public void Dispose()
    {
    }

    private bool IsEnabled(LogLevel level) => level >= MinimumLevel && level != LogLevel.None;

    private void Write(LogLevel level, EventId eventId, IReadOnlyList<KeyValuePair<string, object?>>? fields, string message)
    {
        string text;
        lock (_gate)
        {
            _line.Clear();
            var time = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var json = Format == TurnLogFormat.Json;
            if (json) _line.Append("{\"time\":\"").Append(time).Append("\",\"level\":\"").Append(Name(level)).Append("\",\"event\":");
            else _line.Append("time=").Append(time).Append(" level=").Append(Name(level)).Append(" event=");
            AppendText(json, eventId.Name ?? "message");
            if (fields is null)
            {
                // Not one of ours (no structured values): the rendered message as one field.
                AppendField(json, "message", message);
            }
            else
            {
                for (var i = 0; i < fields.Count; i++)
                {
                    var (key, value) = fields[i];
                    if (value is null || key == OriginalFormat) continue;
                    AppendField(json, key, value);
                }
            }
            if (json) _line.Append('}');
            text = _line.ToString();
        }
        try
        {
            _sink(text);
        }
        catch (Exception)
        {
            // A full disk or a closed stderr must not take the server down.
        }
    }

    private void AppendField(bool json, string key, object value)
    {
        if (json)
        {
            _line.Append(',');
            TurnLogText.AppendJsonString(_line, key);
            _line.Append(':');
            if (value is int or long or uint or ushort or double or bool) _line.Append(Invariant(value).ToLowerInvariant());
            else AppendText(json, Invariant(value));
        }
        else
        {
            _line.Append(' ').Append(key).Append('=');
            TurnLogText.AppendKeyValue(_line, Invariant(value));
        }
    }

    private void AppendText(bool json, string value)
    {
        if (json) TurnLogText.AppendJsonString(_line, value);
        else TurnLogText.AppendKeyValue(_line, value);
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        _ => "error",
    };

    private static string Invariant(object value) => value switch
    {
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private sealed class LineLogger(TurnLogLineProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => owner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!owner.IsEnabled(logLevel)) return;
            var fields = state as IReadOnlyList<KeyValuePair<string, object?>>;
            owner.Write(logLevel, eventId, fields, fields is null ? formatter(state, exception) : "");
        }
    }
}
