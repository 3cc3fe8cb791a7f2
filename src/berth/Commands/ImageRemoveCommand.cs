using System.CommandLine;

namespace Berth.Cli.Commands;

/// <summary>image rm: untags; the data goes at the next prune (garbage collection), as docker frees it when unreferenced.</summary>
public static class ImageRemoveCommand
{
    public static Command Build(string name, string description, params string[] aliases)
    {
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "force removal of the image" };
        var cmd = new Command(name, description) { images, force };
        foreach (var a in aliases)
            cmd.Aliases.Add(a);
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var status = 0;
            var idsBefore = store.List().Select(store.IdOf).ToHashSet();
            foreach (var image in p.GetValue(images)!)
            {
                try
                {
                    foreach (var line in store.Remove(image, p.GetValue(force)))
                        Console.Out.Write(line + "\n");
                }
                catch (Exception e) when (e is Images.Store.ImageNotFoundException or Images.Store.ImageInUseException)
                {
                    // As docker: report each failure, go on with the others, exit 1 at the end.
                    Console.Error.WriteLine($"Error: {e.Message}");
                    status = 1;
                }
            }
            // As docker: an image whose last name went is deleted, and its ID printed.
            idsBefore.ExceptWith(store.List().Select(store.IdOf));
            Images.Store.GarbageCollector.Collect(store);
            foreach (var id in idsBefore)
                Console.Out.Write($"Deleted: {id}\n");
            return status;
        }));
        return cmd;
    }
}
