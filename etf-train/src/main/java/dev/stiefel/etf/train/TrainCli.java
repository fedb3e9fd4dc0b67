package dev.stiefel.etf.train;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the training command line: {@code ufm} (train and compare heads),
 * {@code ufm-profile} (time and memory per iteration) and {@code ufm-compare} (iterations to
 * threshold against C over several runs). Only this package's command classes
 * print; the library classes never do.
 */
@Command(name = "stiefel", mixinStandardHelpOptions = true,
        subcommands = {UfmCommand.class, UfmProfileCommand.class, UfmCompareCommand.class},
        description = "Guiding Neural Collapse experiments on unconstrained feature models.")
public final class TrainCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        exit(newCommandLine(new TrainCli()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: ufm, ufm-profile or ufm-compare");
    }

    /**
     * A command line with the plots forced headless before any AWT class loads, and a failure
     * during a run reported in one line ({@link #describe}); the stack trace follows only with
     * {@code --verbose}. The status is the command's exit code for an execution failure (1).
     */
    static CommandLine newCommandLine(Object command) {
        System.setProperty("java.awt.headless", "true");
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(TrainCli::reportFailure);
    }

    private static int reportFailure(Exception failure, CommandLine failed, CommandLine.ParseResult parsed) {
        PrintWriter err = failed.getErr();
        boolean verbose = matchedVerbose(parsed);
        err.println(failed.getCommandName() + " failed: " + describe(failure)
                + (verbose ? "" : " (--verbose prints the stack trace)"));
        if (verbose) {
            failure.printStackTrace(err);
        }
        err.flush();
        return failed.getCommandSpec().exitCodeOnExecutionException();
    }

    private static boolean matchedVerbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /**
     * One line for a failure: the exception's simple class name and message, and for a failure
     * inside a training run, what the run was doing ({@link TrainingRunException}).
     */
    static String describe(Throwable failure) {
        Throwable shown = failure instanceof TrainingRunException run && run.getCause() != null ? run.getCause() : failure;
        if (shown instanceof java.io.UncheckedIOException unchecked && unchecked.getCause() != null) {
            shown = unchecked.getCause();
        }
        String message = shown.getMessage();
        String line = shown.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        if (failure instanceof TrainingRunException run) {
            line += " (" + run.getMessage() + ")";
        }
        return line.replace('\n', ' ').replace('\r', ' ');
    }

    /** Ends the process with the command's status (only the command-line mains call this). */
    static void exit(int status) {
        if (status != 0) {
            System.exit(status);
        }
    }
}
