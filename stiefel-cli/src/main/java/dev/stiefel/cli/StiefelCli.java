package dev.stiefel.cli;

import dev.stiefel.cli.fashion.FashionMnistCommand;
import dev.stiefel.cli.ufm.TrainingRunException;
import dev.stiefel.cli.ufm.UfmCommand;
import dev.stiefel.cli.ufm.UfmCompareCommand;
import dev.stiefel.cli.ufm.UfmProfileCommand;
import dev.stiefel.kernel.Kernels;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the command line: {@code ufm} (train and compare heads on unconstrained
 * feature models), {@code ufm-profile} (time and memory per iteration), {@code ufm-compare}
 * (iterations to threshold against C over several runs) and {@code fashion-mnist} (the heads
 * inside a DJL network on real data). Only this module prints; the library modules never do.
 */
@Command(name = "stiefel", mixinStandardHelpOptions = true, versionProvider = StiefelCli.Version.class,
        subcommands = {UfmCommand.class, UfmProfileCommand.class, UfmCompareCommand.class, FashionMnistCommand.class},
        description = "Guiding Neural Collapse experiments: unconstrained feature models and Fashion-MNIST.")
public final class StiefelCli implements Runnable {

    /** The commands, in the order the usage lists them. */
    static final String COMMANDS = "ufm, ufm-profile, ufm-compare or fashion-mnist";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the command and its options
     */
    public static void main(String[] args) {
        exit(newCommandLine(new StiefelCli()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: " + COMMANDS);
    }

    /** {@code --version}: the toolkit's version and the dense backend in use. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = StiefelCli.class.getPackage().getImplementationVersion();
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
                .setExecutionExceptionHandler(StiefelCli::reportFailure)
                .setParameterExceptionHandler(StiefelCli::reportBadArguments);
        giveVersion(line);
        return line;
    }

    /** {@code --version} answers the same on every command. */
    private static void giveVersion(CommandLine line) {
        line.getCommandSpec().versionProvider(new Version());
        line.getSubcommands().values().forEach(StiefelCli::giveVersion);
    }

    /**
     * A bad option or value: the error and one line saying where to look, not the whole usage.
     * Without any command, the list of commands.
     */
    private static int reportBadArguments(CommandLine.ParameterException failure, String[] args) {
        CommandLine failed = failure.getCommandLine();
        PrintWriter err = failed.getErr();
        err.println(failed.getCommandName() + ": " + failure.getMessage());
        if (failed.getCommand() instanceof StiefelCli) {
            err.println("commands: " + COMMANDS + " (./stiefel COMMAND --help for its options)");
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
