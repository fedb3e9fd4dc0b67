package dev.stiefel.cli.ufm;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ufm-compare}: iterations to the CE, NC1 and NC3 thresholds against the number of
 * classes, from several finished {@code ufm} runs (typically one per preset): a markdown table
 * ({@code threshold-scaling.md}) and one PNG per threshold with a line per head, median over
 * seeds, with the minimum and maximum over seeds as triangles.
 */
@Command(name = "ufm-compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Iterations to threshold against C, from finished ufm run folders (one per model size).")
public final class UfmCompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_FOLDER", arity = "1..*",
            description = "Folders written by ufm (runs/<preset>/run-NNN), in any order.")
    List<Path> runFolders;

    @Option(names = "--out", paramLabel = "FOLDER", defaultValue = "runs/compare",
            description = "Where the table and plots go (created if needed). Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--no-plots", description = "Only the table.")
    boolean noPlots;

    @Override
    public Integer call() throws Exception {
        ThresholdScaling scaling = ThresholdScaling.read(runFolders);
        Files.createDirectories(out);
        String table = scaling.toMarkdown();
        Files.writeString(out.resolve("threshold-scaling.md"), "# Iterations to threshold against C\n\n"
                + "Median [min, max] over seeds; first evaluation at which the threshold holds.\n\n" + table,
                StandardCharsets.UTF_8);
        if (!noPlots) {
            MetricPlots.writeThresholdScaling(out, scaling);
        }
        PrintWriter console = spec.commandLine().getOut();
        console.print(table);
        console.println("Written to " + out);
        console.flush();
        return 0;
    }
}
