using System.Reflection;
using Cifar.Reports;
using TorchSharp;

namespace Cifar.Tests.Reports;

public class PlainDataTests
{
    /// <summary>
    /// Reports take plain data: nothing public in Cifar.Reports (nor any Cifar type reachable from it, such as
    /// TrainingHistory or EnvironmentInfo) mentions a TorchSharp type, so reports render and test without libtorch.
    /// </summary>
    [Fact]
    public void No_public_member_of_the_reports_namespace_references_TorchSharp()
    {
        var torchSharp = typeof(torch).Assembly;
        var reportTypes = typeof(ReportWriter).Assembly.GetExportedTypes().Where(t => t.Namespace == "Cifar.Reports").ToList();
        Assert.Contains(typeof(ExperimentResult), reportTypes);

        var offenders = new List<string>();
        var visited = new HashSet<Type>();
        var pending = new Queue<Type>(reportTypes);
        while (pending.TryDequeue(out var type))
        {
            if (!visited.Add(type)) continue;
            foreach (var (where, used) in PublicSignatureTypes(type))
            {
                foreach (var part in Flatten(used))
                {
                    if (part.Assembly == torchSharp) offenders.Add($"{type.FullName}.{where} uses {part.FullName}");
                    // Follow our own types (records the report holds), not the BCL's.
                    else if (part.Assembly == typeof(ReportWriter).Assembly) pending.Enqueue(part);
                }
            }
        }

        Assert.Empty(offenders);
        Assert.Contains(typeof(Cifar.Reproducibility.EnvironmentInfo), visited);
        Assert.Contains(typeof(Cifar.Training.TrainingHistory), visited);
    }

    private static IEnumerable<(string Where, Type Used)> PublicSignatureTypes(Type type)
    {
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } baseType) yield return ("base", baseType);
        foreach (var i in type.GetInterfaces()) yield return ("interface", i);
        foreach (var p in type.GetProperties(Public)) yield return (p.Name, p.PropertyType);
        foreach (var f in type.GetFields(Public)) yield return (f.Name, f.FieldType);
        foreach (var c in type.GetConstructors(Public))
        {
            foreach (var p in c.GetParameters()) yield return ("ctor(" + p.Name + ")", p.ParameterType);
        }
        foreach (var m in type.GetMethods(Public))
        {
            yield return (m.Name, m.ReturnType);
            foreach (var p in m.GetParameters()) yield return (m.Name + "(" + p.Name + ")", p.ParameterType);
        }
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType)
        {
            foreach (var t in Flatten(type.GetElementType()!)) yield return t;
            yield break;
        }
        if (type.IsGenericType)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var t in type.GetGenericArguments().SelectMany(Flatten)) yield return t;
            yield break;
        }
        if (!type.IsGenericParameter) yield return type;
    }
}
