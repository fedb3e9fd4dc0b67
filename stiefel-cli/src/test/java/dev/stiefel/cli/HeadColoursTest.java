package dev.stiefel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.stiefel.etf.train.HeadKind;
import java.awt.Color;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every head has its own colour, found the same way by kind and by command-line name. */
class HeadColoursTest {

    @Test
    void eachHeadHasItsOwnColourByKindAndByName() {
        Set<Color> colours = new HashSet<>();
        for (HeadKind head : HeadKind.values()) {
            colours.add(HeadColours.of(head));
            assertEquals(HeadColours.of(head), HeadColours.of(head.commandLineName(), 7));
        }
        assertEquals(HeadKind.values().length, colours.size());
        for (HeadKind head : HeadKind.values()) {
            assertNotEquals(HeadColours.of(head), HeadColours.of("not a head", 0));
        }
    }
}
