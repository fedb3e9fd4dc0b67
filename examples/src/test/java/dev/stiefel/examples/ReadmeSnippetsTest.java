package dev.stiefel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every Java block of the repository's README files is the text of a source of this project:
 * the block follows a line {@code <!-- snippet: examples/src/.../X.java -->} and equals that
 * file's region between the lines {@code // snippet-start} and {@code // snippet-end}
 * (dedented), or the whole file after its package declaration when it has no such region.
 * The sources are compiled by this project and run by its tests, so a README example that no
 * longer compiles or runs fails the build.
 */
class ReadmeSnippetsTest {

    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- snippet: (\\S+) -->\\s*\\n```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern ANY_JAVA_BLOCK = Pattern.compile("```java\\n");

    @TestFactory
    Stream<DynamicTest> everyJavaBlockIsACompiledSource() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> readmes = new ArrayList<>();
        readmes.add(REPOSITORY.resolve("README.md"));
        try (Stream<Path> modules = Files.list(REPOSITORY)) {
            modules.map(module -> module.resolve("README.md")).filter(Files::isRegularFile).forEach(readmes::add);
        }
        for (Path readme : readmes) {
            assertTrue(Files.isRegularFile(readme), readme + " is missing");
            String text = Files.readString(readme);
            int blocks = count(ANY_JAVA_BLOCK.matcher(text));
            Matcher snippet = BLOCK.matcher(text);
            int checked = 0;
            while (snippet.find()) {
                checked++;
                String source = snippet.group(1);
                String block = snippet.group(2);
                String name = REPOSITORY.relativize(readme) + " -> " + source;
                tests.add(DynamicTest.dynamicTest(name, () -> assertEquals(region(REPOSITORY.resolve(source)), block,
                        name + ": the README block differs from the compiled source")));
            }
            String where = REPOSITORY.relativize(readme).toString();
            int unmarked = blocks - checked;
            tests.add(DynamicTest.dynamicTest(where + ": every java block names its source",
                    () -> assertEquals(0, unmarked, where + " has " + unmarked
                            + " java block(s) without a '<!-- snippet: path -->' line before them")));
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }

    /** The text a README shows of {@code source}: its marked region, or the file after the package line. */
    static String region(Path source) throws IOException {
        List<String> lines = Files.readAllLines(source);
        int start = indexOfMarker(lines, "// snippet-start");
        List<String> shown;
        if (start < 0) {
            int packageLine = 0;
            while (!lines.get(packageLine).startsWith("package ")) {
                packageLine++;
            }
            shown = lines.subList(packageLine + 2, lines.size());
        } else {
            int end = indexOfMarker(lines, "// snippet-end");
            shown = lines.subList(start + 1, end);
        }
        int indent = shown.stream().filter(line -> !line.isBlank())
                .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
        StringBuilder text = new StringBuilder();
        for (String line : shown) {
            text.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        return text.toString();
    }

    private static int indexOfMarker(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        return -1;
    }

    private static int count(Matcher matcher) {
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
