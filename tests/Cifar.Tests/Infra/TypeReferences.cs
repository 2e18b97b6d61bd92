using System.Reflection;

namespace Cifar.Tests.Infra;

/// <summary>What a type of the tool names: the types in its signatures, fields and local variables (private members and
/// compiler-generated closures included), for the layering tests.</summary>
internal static class TypeReferences
{
    /// <summary>The type a nested type (a closure, a record's builder) belongs to, whose namespace is the layer.</summary>
    public static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    public static IEnumerable<Type> SignatureTypes(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var used = new List<Type>();
        if (type.BaseType is { } baseType) used.Add(baseType);
        used.AddRange(type.GetInterfaces());
        used.AddRange(type.GetFields(All).Select(f => f.FieldType));
        used.AddRange(type.GetProperties(All).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info) used.Add(info.ReturnType);
            used.AddRange(method.GetParameters().Select(p => p.ParameterType));
            used.AddRange(method.GetMethodBody()?.LocalVariables.Select(l => l.LocalType) ?? []);
        }
        return used.SelectMany(Flatten);
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType) return Flatten(type.GetElementType()!);
        if (type.IsGenericType) return [type.GetGenericTypeDefinition(), .. type.GetGenericArguments().SelectMany(Flatten)];
        return type.IsGenericParameter ? [] : [type];
    }
}
