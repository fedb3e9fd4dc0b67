package dev.stiefel.cli;

import dev.stiefel.cli.ufm.TrainingRunException;
import dev.stiefel.kernel.Kernels;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * What every command of the command line shares, apart from the commands themselves (so that
 * {@link StiefelCli}, which lists the commands, and the commands, which use this, do not depend on
 * each other): the command line's configuration, one-line error reports, {@code --version}, and
 * the exit status.
 */
public final class CommandLines {

    private CommandLines() {
    }

    /** {@code --version}: the toolkit's version and the dense backend in use. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = CommandLines.class.getPackage().getImplementationVersion();
            return new String[] {"stiefel " + (version == null ? "(development build)" : version),
                "dense backend: " + Kernels.cpuBackendReport(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }

    /**
     * A command line with the plots forced headless before any AWT class loads, and a failure
     * during a run reported in one line ({@link #describe}); the stack trace follows only with
     * {@code --verbose}. The status is the command's exit code for an execution failure (1).
     */
    public static CommandLine newCommandLine(Object command) {
        System.setProperty("java.awt.headless", "true");
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // the PyTorch engine uses only the native library on the class path
        }
        CommandLine line = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(CommandLines::reportFailure)
                .setParameterExceptionHandler(CommandLines::reportBadArguments);
        giveVersion(line);
        return line;
    }

    /** {@code --version} answers the same on every command. */
    private static void giveVersion(CommandLine line) {
        line.getCommandSpec().versionProvider(new Version());
        line.getSubcommands().values().forEach(CommandLines::giveVersion);
    }

    /**
     * A bad option or value: the error and one line saying where to look, not the whole usage.
     * Without any command, the list of commands.
     */
    private static int reportBadArguments(CommandLine.ParameterException failure, String[] args) {
        CommandLine failed = failure.getCommandLine();
        PrintWriter err = failed.getErr();
        err.println(failed.getCommandName() + ": " + failure.getMessage());
        if (failed.getParent() == null && !failed.getSubcommands().isEmpty()) {
            err.println("commands: " + String.join(", ", failed.getSubcommands().keySet())
                    + " (./stiefel COMMAND --help for its options)");
        } else {
            err.println("./stiefel " + failed.getCommandName() + " --help lists every option with its default");
        }
        err.flush();
        return failed.getCommandSpec().exitCodeOnInvalidInput();
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
    public static String describe(Throwable failure) {
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
    public static void exit(int status) {
        if (status != 0) {
            System.exit(status);
        }
    }
}
