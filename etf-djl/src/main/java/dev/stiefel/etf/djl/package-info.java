/**
 * The classifier heads of "Guiding Neural Collapse" (Markou, Ajanthan, Gould, NeurIPS 2024) as a
 * Deep Java Library block, {@link dev.stiefel.etf.djl.EtfHeadBlock}: the learned (standard), fixed
 * simplex-ETF and implicit nearest-ETF heads as differentiable NDArray operations on the
 * features' device and in their type, trained by DJL's own loop ({@code EasyTrain.fit}); Automatic
 * Gradient Descent as a DJL optimiser ({@link dev.stiefel.etf.djl.AutomaticGradientDescentOptimizer});
 * the two backbones of the experiments ({@link dev.stiefel.etf.djl.Backbone}); and data-parallel
 * training of the heads in splits ({@link dev.stiefel.etf.djl.ConcurrentSplitPooling},
 * {@link dev.stiefel.etf.djl.SplitBackward}; docs/distributed-etf-head.md of this repository).
 * The heads are checked against the plain-array heads of module {@code etf-solver}.
 */
package dev.stiefel.etf.djl;
