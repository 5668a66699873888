using System.Globalization;
using System.Text;

namespace IceSpec.Turn.Server;

public enum TurnLogLevel : byte
{
    Debug,
    Info,
    Warning,
    Error,
    None,
}

public enum TurnLogFormat : byte
{
    /// <summary><c>time=… level=info event=allocation.created client=… user=…</c></summary>
    KeyValue,
    /// <summary>One JSON object per line.</summary>
    Json,
}

/// <summary>
/// Structured logs: one line per event, <c>key=value</c> or JSON, written to a sink (a file or stderr, chosen by the
/// driver). Events on the relay path are Debug, so the default Info level never formats anything per packet; callers
/// check <see cref="IsEnabled"/> before building fields. Thread-safe (a line is written under a lock).
/// </summary>
public sealed class TurnServerLog
{
    private readonly Action<string> _sink;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly StringBuilder _line = new(256);

    public TurnServerLog(Action<string> sink, TurnLogLevel minimumLevel = TurnLogLevel.Info, TurnLogFormat format = TurnLogFormat.KeyValue, TimeProvider? time = null)
    {
        _sink = sink;
        MinimumLevel = minimumLevel;
        Format = format;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A log that writes nothing.</summary>
    public static TurnServerLog Null { get; } = new(_ => { }, TurnLogLevel.None);

    public TurnLogLevel MinimumLevel { get; set; }

    public TurnLogFormat Format { get; }

    public bool IsEnabled(TurnLogLevel level) => level >= MinimumLevel && level != TurnLogLevel.None;

    public void Write(TurnLogLevel level, string eventName, params ReadOnlySpan<(string Key, object? Value)> fields)
    {
        if (!IsEnabled(level)) return;
        string text;
        lock (_gate)
        {
            _line.Clear();
            var time = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            if (Format == TurnLogFormat.Json)
            {
                _line.Append("{\"time\":\"").Append(time).Append("\",\"level\":\"").Append(Name(level)).Append("\",\"event\":");
                AppendJson(eventName);
                foreach (var (key, value) in fields)
                {
                    if (value is null) continue;
                    _line.Append(",\"").Append(key).Append("\":");
                    if (value is int or long or uint or ushort or double or bool) _line.Append(Invariant(value).ToLowerInvariant());
                    else AppendJson(Invariant(value));
                }
                _line.Append('}');
            }
            else
            {
                _line.Append("time=").Append(time).Append(" level=").Append(Name(level)).Append(" event=").Append(eventName);
                foreach (var (key, value) in fields)
                {
                    if (value is null) continue; // absent, not empty
                    _line.Append(' ').Append(key).Append('=');
                    AppendValue(Invariant(value));
                }
            }
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

    public void Debug(string eventName, params ReadOnlySpan<(string Key, object? Value)> fields) => Write(TurnLogLevel.Debug, eventName, fields);

    public void Info(string eventName, params ReadOnlySpan<(string Key, object? Value)> fields) => Write(TurnLogLevel.Info, eventName, fields);

    public void Warning(string eventName, params ReadOnlySpan<(string Key, object? Value)> fields) => Write(TurnLogLevel.Warning, eventName, fields);

    public void Error(string eventName, params ReadOnlySpan<(string Key, object? Value)> fields) => Write(TurnLogLevel.Error, eventName, fields);

    private static string Name(TurnLogLevel level) => level switch
    {
        TurnLogLevel.Debug => "debug",
        TurnLogLevel.Info => "info",
        TurnLogLevel.Warning => "warn",
        _ => "error",
    };

    private static string Invariant(object? value) => value switch
    {
        null => "",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private void AppendValue(string value)
    {
        if (value.Length > 0 && value.AsSpan().IndexOfAny(" \"=\\\r\n\t") < 0)
        {
            _line.Append(value);
            return;
        }
        _line.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') _line.Append('\\').Append(c);
            else if (c == '\n') _line.Append("\\n");
            else if (c == '\r') _line.Append("\\r");
            else if (c < ' ') _line.Append(' ');
            else _line.Append(c);
        }
        _line.Append('"');
    }

    private void AppendJson(string value)
    {
        _line.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': _line.Append("\\\""); break;
                case '\\': _line.Append("\\\\"); break;
                case '\n': _line.Append("\\n"); break;
                case '\r': _line.Append("\\r"); break;
                case '\t': _line.Append("\\t"); break;
                default:
                    if (c < ' ') _line.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else _line.Append(c);
                    break;
            }
        }
        _line.Append('"');
    }
}
