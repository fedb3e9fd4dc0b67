package dev.stiefel.cli;

import dev.stiefel.etf.train.HeadKind;
import java.awt.Color;

/**
 * One colour per head, the same in every plot of every command (the first four colours of
 * matplotlib's "tab10" palette): standard blue, fixed red, implicit green, implicit-forward-only
 * purple. Lines keyed by anything else take the next colours in turn.
 */
public final class HeadColours {

    private static final Color STANDARD = new Color(0x1f77b4);
    private static final Color FIXED = new Color(0xd62728);
    private static final Color IMPLICIT = new Color(0x2ca02c);
    private static final Color IMPLICIT_FORWARD_ONLY = new Color(0x9467bd);
    private static final Color[] OTHERS = {new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2),
        new Color(0x7f7f7f)};

    private HeadColours() {
    }

    /** The colour of a head. */
    public static Color of(HeadKind head) {
        return switch (head) {
            case STANDARD -> STANDARD;
            case FIXED -> FIXED;
            case IMPLICIT -> IMPLICIT;
            case IMPLICIT_FORWARD_ONLY -> IMPLICIT_FORWARD_ONLY;
        };
    }

    /**
     * The colour of a line named by a head's command-line name (e.g. {@code implicit}), or, for
     * another name, the {@code index}-th of the remaining colours.
     */
    public static Color of(String name, int index) {
        try {
            return of(HeadKind.parse(name));
        } catch (IllegalArgumentException notAHead) {
            return OTHERS[Math.floorMod(index, OTHERS.length)];
        }
    }
}
