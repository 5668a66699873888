using IceSpec.Generators.Binding;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;

namespace IceSpec.Generators.Tests;

/// <summary>
/// The test assembly's entry point (GenerateProgramFile is off). The test runner never calls it; <see
/// cref="Infrastructure.ChildProcess"/> does, to bind specs where a crash cannot take the test run down with it.
/// </summary>
public static class Program
{
    public const string BindCommand = "bind-specs";

    public static int Main(string[] args)
    {
        if (args.Length != 2 || args[0] != BindCommand)
        {
            Console.Error.WriteLine($"usage: {BindCommand} <directory of .spec files>");
            return 2;
        }
        var files = Directory.GetFiles(args[1], "*.spec").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => SpecParser.Parse(Path.GetFileName(f), File.ReadAllText(f), emit: true))
            .ToEquatableArray();
        var bundle = SpecBinder.Bind(files);
        foreach (var d in bundle.Diagnostics)
            Console.WriteLine($"{d.Id} {d.Path} {d.Span.Line}:{d.Span.Column}-{d.Span.EndLine}:{d.Span.EndColumn} {string.Join(" | ", d.Arguments)}");
        foreach (var p in bundle.Protocols) Console.WriteLine("protocol " + p.Name);
        return 0;
    }
}
