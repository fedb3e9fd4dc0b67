package dev.stiefel.cli;

import dev.stiefel.cli.fashion.FashionMnistCommand;
import dev.stiefel.cli.ufm.UfmCommand;
import dev.stiefel.cli.ufm.UfmCompareCommand;
import dev.stiefel.cli.ufm.UfmProfileCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the command line: {@code ufm} (train and compare heads on unconstrained
 * feature models), {@code ufm-profile} (time and memory per iteration), {@code ufm-compare}
 * (iterations to threshold against C over several runs) and {@code fashion-mnist} (the heads
 * inside a DJL network on real data). Only this module prints; the library modules never do.
 */
@Command(name = "stiefel", mixinStandardHelpOptions = true, versionProvider = CommandLines.Version.class,
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
        CommandLines.exit(CommandLines.newCommandLine(new StiefelCli()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: " + COMMANDS);
    }

    /**
     * A command line for {@code command}, configured as {@link CommandLines#newCommandLine} does.
     *
     * @param command the command object
     * @return its command line
     */
    public static CommandLine newCommandLine(Object command) {
        return CommandLines.newCommandLine(command);
    }
}
