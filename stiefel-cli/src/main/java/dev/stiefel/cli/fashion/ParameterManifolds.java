package dev.stiefel.cli.fashion;

import java.util.ArrayList;
import java.util.List;

/**
 * Which parameters of the image classifier a Riemannian optimiser (djl-riemannian) holds on a
 * manifold instead of training them in Euclidean space.
 *
 * @param obliqueClassifier the standard head's classifier on the oblique manifold of unit rows,
 *     replacing the re-normalisation after each step (the other heads learn no classifier)
 * @param orthogonalBackboneOutput the backbone's last linear map ({@code d x k}) with orthonormal
 *     columns, on the Stiefel manifold, started from a Haar-distributed point
 */
public record ParameterManifolds(boolean obliqueClassifier, boolean orthogonalBackboneOutput) {

    /** Every parameter Euclidean: DJL's own optimisers. */
    public static final ParameterManifolds NONE = new ParameterManifolds(false, false);

    /** Whether any parameter lives on a manifold (a Riemannian optimiser is then needed). */
    public boolean any() {
        return obliqueClassifier || orthogonalBackboneOutput;
    }

    /** {@code none}, or the constrained parameters, e.g. {@code classifier on the oblique manifold}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (obliqueClassifier) {
            parts.add("standard head's classifier on the oblique manifold (unit rows)");
        }
        if (orthogonalBackboneOutput) {
            parts.add("backbone's last linear map on the Stiefel manifold (orthonormal columns)");
        }
        return parts.isEmpty() ? "none" : String.join("; ", parts);
    }
}
