using System.Collections.Concurrent;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// The drivers the kit knows: those its bundled implementations file declares (icespec, libnice, aioice, werift, pion:
/// <c>drivers/implementations.json</c> beside the assembly), then those added from implementations files
/// (<see cref="RegisterFile"/>), from <c>--driver</c> or from code (<see cref="Register(DriverSpec, Func{CancellationToken, Task{DriverLaunch}})"/>).
/// A later declaration replaces an earlier one of the same name.
/// </summary>
public static class DriverRegistry
{
    public const string BundledOrigin = "bundled";

    private static readonly object Gate = new();
    private static readonly List<DriverSpec> Drivers = [];
    private static readonly Dictionary<string, Func<CancellationToken, Task<DriverLaunch>>> Preparers = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Lazy<Task<DriverLaunch>>> Prepared = new(StringComparer.Ordinal);
    private static readonly DriverDeclarationException? BundledError;

    static DriverRegistry()
    {
        try
        {
            foreach (var driver in ImplementationsFile.Load(BundledImplementationsFile, BundledOrigin)) Register(driver);
        }
        catch (DriverDeclarationException e)
        {
            BundledError = e; // reported by All and Get: the kit is incomplete
        }
    }

    /// <summary>The kit's own implementations file (conformance/drivers/implementations.json, copied beside the assembly).</summary>
    public static string BundledImplementationsFile => Path.Combine(AppContext.BaseDirectory, "drivers", "implementations.json");

    /// <summary>Every registered driver. Throws <see cref="DriverDeclarationException"/> if the bundled file could not be read.</summary>
    public static IReadOnlyList<DriverSpec> All
    {
        get
        {
            ThrowIfBundledFailed();
            lock (Gate) return Drivers.ToArray();
        }
    }

    public static DriverSpec Get(string name)
    {
        ThrowIfBundledFailed();
        lock (Gate)
        {
            return Drivers.Find(d => d.Name == name)
                ?? throw new ArgumentException($"unknown driver '{name}'; known: {string.Join(", ", Drivers.Select(d => d.Name))}", nameof(name));
        }
    }

    /// <summary>Adds (or replaces) the drivers an implementations file declares; returns them.</summary>
    public static IReadOnlyList<DriverDeclaration> RegisterFile(string path)
    {
        var declarations = ImplementationsFile.Load(path);
        foreach (var declaration in declarations) Register(declaration);
        return declarations;
    }

    /// <summary>Adds (or replaces) a declared driver: built, checked and started once on first use (<see cref="DeclaredDriverPreparation"/>).</summary>
    public static void Register(DriverDeclaration declaration) =>
        Register(declaration.Spec, ct => DeclaredDriverPreparation.PrepareAsync(declaration, ct));

    /// <summary>Adds (or replaces) a driver. <paramref name="prepare"/> runs once per process, on first use.</summary>
    public static void Register(DriverSpec driver, Func<CancellationToken, Task<DriverLaunch>> prepare)
    {
        lock (Gate)
        {
            Drivers.RemoveAll(d => d.Name == driver.Name);
            Drivers.Add(driver);
            Preparers[driver.Name] = prepare;
            Prepared.TryRemove(driver.Name, out _);
        }
    }

    /// <summary>Builds whatever the driver needs (once; cached on disk across runs) and says how to start it.</summary>
    public static async Task<DriverLaunch> PrepareAsync(DriverSpec driver, CancellationToken ct)
    {
        Func<CancellationToken, Task<DriverLaunch>> prepare;
        lock (Gate)
        {
            if (!Preparers.TryGetValue(driver.Name, out prepare!))
                throw new ArgumentException($"driver '{driver.Name}' is not registered", nameof(driver));
        }
        // One preparation per driver per process; a failed one is retried on the next call.
        var lazy = Prepared.GetOrAdd(driver.Name, _ => new Lazy<Task<DriverLaunch>>(() => prepare(CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(ct);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            Prepared.TryRemove(new KeyValuePair<string, Lazy<Task<DriverLaunch>>>(driver.Name, lazy));
            throw;
        }
    }

    private static void ThrowIfBundledFailed()
    {
        if (BundledError is { } e)
            throw new DriverDeclarationException($"the kit's bundled drivers are unavailable: {e.Message}", e);
    }
}
