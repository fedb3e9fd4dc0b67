/**
 * Image data for the DJL experiments: Fashion-MNIST (Xiao, Rasul, Vollgraf, arXiv:1708.07747,
 * 2017) read from the IDX files of Debian's {@code dataset-fashion-mnist}
 * ({@link dev.stiefel.etf.djl.data.FashionMnist}, {@link dev.stiefel.etf.djl.data.IdxFile}), held
 * in memory ({@link dev.stiefel.etf.djl.data.ImageSet}), normalised and augmented
 * ({@link dev.stiefel.etf.djl.data.Normalisation}, {@link dev.stiefel.etf.djl.data.Augmentation}),
 * and served to DJL's loop as ready-made batches ({@link dev.stiefel.etf.djl.data.ImageBatches}).
 */
package dev.stiefel.etf.djl.data;
