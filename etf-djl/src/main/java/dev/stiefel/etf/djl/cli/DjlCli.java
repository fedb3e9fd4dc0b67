package dev.stiefel.etf.djl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the DJL experiments: {@code fashion-mnist} trains a real backbone with the
 * standard, fixed-ETF and implicit-ETF heads. Runs offline: {@code ai.djl.offline} is set to
 * true unless given, so the PyTorch engine only uses the native library on the class path.
 * Only this package prints.
 */
@Command(name = "stiefel", mixinStandardHelpOptions = true, subcommands = FashionMnistCommand.class,
        description = "Guiding Neural Collapse heads in DJL on real data.")
public final class DjlCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int status = newCommandLine(new DjlCli()).execute(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: fashion-mnist");
    }

    /** A command line with the engine offline and the plots headless before any class loads them. */
    static CommandLine newCommandLine(Object command) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.setProperty("java.awt.headless", "true");
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
