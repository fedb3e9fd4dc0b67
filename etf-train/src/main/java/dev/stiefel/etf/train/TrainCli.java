package dev.stiefel.etf.train;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the training command line: {@code ufm} (train and compare heads) and
 * {@code ufm-profile} (time and memory per iteration). Only this package's command classes
 * print; the library classes never do.
 */
@Command(name = "stiefel", mixinStandardHelpOptions = true,
        subcommands = {UfmCommand.class, UfmProfileCommand.class},
        description = "Guiding Neural Collapse experiments on unconstrained feature models.")
public final class TrainCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        exit(newCommandLine(new TrainCli()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: ufm or ufm-profile");
    }

    /** A command line with the plots forced headless before any AWT class loads. */
    static CommandLine newCommandLine(Object command) {
        System.setProperty("java.awt.headless", "true");
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Ends the process with the command's status (only the command-line mains call this). */
    static void exit(int status) {
        if (status != 0) {
            System.exit(status);
        }
    }
}
