using System.Collections;
using System.Reflection;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Tests.Infrastructure;

/// <summary>
/// A copy of a model value with every <see cref="SourceSpan"/> set to <see cref="SourceSpan.None"/>, so parser tests can
/// compare structure with record equality and check spans separately where they matter.
/// </summary>
public static class WithoutSpans
{
    public static T Strip<T>(T value) => (T)StripObject(value)!;

    private static object? StripObject(object? value)
    {
        switch (value)
        {
            case null: return null;
            case SourceSpan: return SourceSpan.None;
            case string or bool or int or long: return value;
        }

        var type = value.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>))
        {
            var elementType = type.GetGenericArguments()[0];
            var items = ((IEnumerable)value).Cast<object?>().Select(StripObject).ToArray();
            var array = Array.CreateInstance(elementType, items.Length);
            for (var i = 0; i < items.Length; i++) array.SetValue(items[i], i);
            return type.GetConstructor(new[] { elementType.MakeArrayType() })!.Invoke(new object[] { array });
        }

        var clone = type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"{type} is not a record; WithoutSpans does not know how to copy it");
        var copy = clone.Invoke(value, null)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is null || property.GetIndexParameters().Length > 0) continue;
            property.SetValue(copy, StripObject(property.GetValue(value)));
        }
        return copy;
    }
}
