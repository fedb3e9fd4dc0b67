package dev.stiefel.bench;

/**
 * A matrix shape {@code rows x cols} as the benchmarks spell it in one JMH parameter, e.g.
 * {@code "1024x100"} for (d, C) = (1024, 100): JMH crosses separate parameters, so a pair
 * that belongs together travels as one string.
 *
 * @param rows d (or n): the long side
 * @param cols C (or p): the short side
 */
record Size(int rows, int cols) {

    /** The paper's (d, C) sizes (Markou, Ajanthan, Gould, NeurIPS 2024, Section 4). */
    static final String PAPER_512_10 = "512x10";
    static final String PAPER_1024_100 = "1024x100";
    static final String PAPER_1024_200 = "1024x200";
    static final String PAPER_1024_1000 = "1024x1000";
    /** The tall case (n, p) = (100000, 10). */
    static final String TALL = "100000x10";

    Size {
        if (rows < 1 || cols < 1 || rows < cols) {
            throw new IllegalArgumentException("size " + rows + "x" + cols + ": need rows >= cols >= 1");
        }
    }

    /**
     * Parses {@code "<rows>x<cols>"}.
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    static Size parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("size '" + text + "': expected <rows>x<cols>, e.g. 1024x100");
        }
        try {
            return new Size(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException("size '" + text + "': expected <rows>x<cols>, e.g. 1024x100",
                    notANumber);
        }
    }

    /** Number of entries of a {@code rows x cols} matrix. */
    long elements() {
        return (long) rows * cols;
    }
}
