package dev.stiefel.etf.djl.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf, arXiv:1708.07747, 2017): 60000 training and 10000 test
 * grey images of 28 x 28 pixels in 10 classes, read from the gzip IDX files that Debian's package
 * {@value #DEBIAN_PACKAGE} installs in {@value #DEFAULT_FOLDER}.
 *
 * @param train the training set
 * @param test the test set
 */
public record FashionMnist(ImageSet train, ImageSet test) {

    /** Where Debian's package puts the files. */
    public static final String DEFAULT_FOLDER = "/usr/share/datasets/fashion-mnist";
    /** The Debian package with the files. */
    public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";
    public static final int CLASSES = 10;
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    /** Whether all four files are in {@code folder}. */
    public static boolean available(Path folder) {
        return FILES.stream().allMatch(name -> Files.isRegularFile(folder.resolve(name)));
    }

    /**
     * Reads the four files from {@code folder}.
     *
     * @throws FileNotFoundException naming the missing file and the Debian package to install
     * @throws IOException when a file is not a valid IDX file or the files do not match
     */
    public static FashionMnist load(Path folder) throws IOException {
        for (String name : FILES) {
            if (!Files.isRegularFile(folder.resolve(name))) {
                throw new FileNotFoundException("Fashion-MNIST file " + folder.resolve(name) + " not found; install"
                        + " Debian's package " + DEBIAN_PACKAGE + " (apt-get install " + DEBIAN_PACKAGE + "), which puts"
                        + " the files in " + DEFAULT_FOLDER + ", or point to a folder holding " + String.join(", ", FILES));
            }
        }
        try {
            ImageSet train = ImageSet.of(IdxFile.read(folder.resolve(FILES.get(0))),
                    IdxFile.read(folder.resolve(FILES.get(1))), CLASSES);
            ImageSet test = ImageSet.of(IdxFile.read(folder.resolve(FILES.get(2))),
                    IdxFile.read(folder.resolve(FILES.get(3))), CLASSES);
            return new FashionMnist(train, test);
        } catch (IllegalArgumentException e) {
            throw new IOException("Fashion-MNIST files in " + folder + " are inconsistent: " + e.getMessage(), e);
        }
    }
}
