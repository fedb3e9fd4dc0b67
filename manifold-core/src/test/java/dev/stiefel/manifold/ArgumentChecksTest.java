package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The entry points that build a point from a point and a tangent vector check both: a base
 * point off the manifold or a vector that is not tangent would give results off the manifold
 * without a word ({@code ||Y^T Y - I||} of 1.3 to 13.9 from the Stiefel exponential and Cayley,
 * Grassmann's exponential with a non-horizontal vector). Each throws
 * {@link IllegalArgumentException} naming the argument and the size of the violation; violations
 * within {@link Manifold#ARGUMENT_TOLERANCE} (relative to the scale) are rounding and pass.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"ejml", "openblas"})
class ArgumentChecksTest {

    private static final int N = 9;
    private static final int P = 3;
    /** A violation far above the tolerance: an argument off the manifold or the tangent space by O(1). */
    private static final double LARGE = 0.3;

    private final DenseKernels<DMatrixRMaj> kernels;
    private final List<AutoCloseable> opened = new ArrayList<>();

    ArgumentChecksTest(String backend) {
        this.kernels = backend.equals("ejml") ? Kernels.ejml() : Kernels.openBlas();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : opened) {
            resource.close();
        }
        kernels.close();
    }

    /** {@code x} with its columns stretched by {@code 1 + amount}: {@code ||X^T X - I||} about {@code 2 amount sqrt(p)}. */
    private static DMatrixRMaj stretched(DMatrixRMaj x, double amount) {
        DMatrixRMaj copy = x.copy();
        CommonOps_DDRM.scale(1 + amount, copy);
        return copy;
    }

    /** {@code v + amount X S}, {@code S} symmetric with unit entries: a normal component of size about {@code amount}. */
    private static DMatrixRMaj withNormalPart(DMatrixRMaj x, DMatrixRMaj v, double amount) {
        DMatrixRMaj symmetric = new DMatrixRMaj(x.numCols, x.numCols);
        symmetric.fill(amount);
        DMatrixRMaj out = v.copy();
        CommonOps_DDRM.multAdd(x, symmetric, out);
        return out;
    }

    /** {@code v + amount X}: a component along {@code span(X)}, not horizontal on the Grassmannian. */
    private static DMatrixRMaj withVerticalPart(DMatrixRMaj x, DMatrixRMaj v, double amount) {
        DMatrixRMaj out = v.copy();
        CommonOps_DDRM.addEquals(out, amount, x);
        return out;
    }

    private static void assertRejected(String role, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(role), () -> "message names " + role + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(" > "), () -> "message gives the size of the violation: " + e.getMessage());
    }

    @Test
    void stiefelRejectsBadPointsAndVectors() {
        for (StiefelRetraction retraction : StiefelRetraction.values()) {
            Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, N, P, retraction);
            opened.add(stiefel);
            SplittableRandom random = new SplittableRandom(1);
            DMatrixRMaj x = stiefel.allocate();
            stiefel.randomPoint(random, x);
            DMatrixRMaj v = stiefel.allocate();
            stiefel.randomTangent(x, random, v);
            DMatrixRMaj y = stiefel.allocate();
            List<Consumer<DMatrixRMaj[]>> calls = List.of(
                    args -> stiefel.retract(args[0], args[1], y),
                    args -> stiefel.exponential(args[0], args[1], y),
                    args -> stiefel.secondOrderRetract(args[0], args[1], y));
            for (Consumer<DMatrixRMaj[]> call : calls) {
                assertRejected("point x", () -> call.accept(new DMatrixRMaj[] {stretched(x, LARGE), v}));
                assertRejected("tangent vector v", () -> call.accept(new DMatrixRMaj[] {x, withNormalPart(x, v, LARGE)}));
                DMatrixRMaj nan = v.copy();
                nan.set(0, 0, Double.NaN);
                assertThrows(IllegalArgumentException.class, () -> call.accept(new DMatrixRMaj[] {x, nan}));
                // Rounding-sized violations pass.
                call.accept(new DMatrixRMaj[] {stretched(x, 1e-12), withNormalPart(x, v, 1e-12)});
            }
            if (stiefel.hasInverseRetraction()) {
                stiefel.retract(x, v, y);
                assertRejected("point x", () -> stiefel.inverseRetract(stretched(x, LARGE), y, stiefel.allocate()));
                assertRejected("point y", () -> stiefel.inverseRetract(x, stretched(y, LARGE), stiefel.allocate()));
            }
        }
    }

    /**
     * A non-finite entry is named by the manifold, the argument, its position and its likely
     * origins (a trust region started with radius 1e300 takes such a step), before a kernel meets
     * it: a kernel's message, e.g. {@code qrPositive a: entry (0, 0) is NaN}, names neither the
     * manifold nor the argument.
     */
    @Test
    void nonFiniteEntriesAreNamedWithTheirArgumentAndPosition() {
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, N, P, StiefelRetraction.QR);
        opened.add(stiefel);
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(kernels, N, P, GrassmannRetraction.QR);
        Sphere<DMatrixRMaj> sphere = new Sphere<>(kernels, N, P, SphereRetraction.NORMALIZATION);
        for (Manifold<DMatrixRMaj> manifold : List.<Manifold<DMatrixRMaj>>of(stiefel, grassmann, sphere)) {
            SplittableRandom random = new SplittableRandom(4);
            DMatrixRMaj x = manifold.allocate();
            manifold.randomPoint(random, x);
            DMatrixRMaj v = manifold.allocate();
            manifold.randomTangent(x, random, v);
            DMatrixRMaj badVector = v.copy();
            badVector.set(2, 1, Double.NaN);
            IllegalArgumentException vector = assertThrows(IllegalArgumentException.class,
                    () -> manifold.retract(x, badVector, manifold.allocate()));
            assertTrue(vector.getMessage().contains("tangent vector v has entry (2, 1) = NaN"), vector::getMessage);
            DMatrixRMaj badPoint = x.copy();
            badPoint.set(1, 0, Double.POSITIVE_INFINITY);
            IllegalArgumentException point = assertThrows(IllegalArgumentException.class,
                    () -> manifold.retract(badPoint, v, manifold.allocate()));
            assertTrue(point.getMessage().contains("point x has entry (1, 0) = Infinity"), point::getMessage);
        }
        SplittableRandom random = new SplittableRandom(5);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, random);
        DMatrixRMaj start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        // an initial radius whose steps overflow is refused where it is given, naming it
        IllegalArgumentException radius = assertThrows(IllegalArgumentException.class,
                () -> TrustRegionsOptions.defaults().withInitialRadius(1e300));
        assertTrue(radius.getMessage().contains("initialRadius"), radius::getMessage);
        try (TrustRegions<DMatrixRMaj> solver = new TrustRegions<>()) {
            assertTrue(solver.solve(problem, start).converged());
        }
    }

    @Test
    void grassmannRejectsBadPointsAndVectors() {
        for (GrassmannRetraction retraction : GrassmannRetraction.values()) {
            Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(kernels, N, P, retraction);
            SplittableRandom random = new SplittableRandom(2);
            DMatrixRMaj x = grassmann.allocate();
            grassmann.randomPoint(random, x);
            DMatrixRMaj v = grassmann.allocate();
            grassmann.randomTangent(x, random, v);
            DMatrixRMaj y = grassmann.allocate();
            for (double length : new double[] {1.0, 1e6}) {
                DMatrixRMaj step = v.copy();
                CommonOps_DDRM.scale(length, step);
                List<Consumer<DMatrixRMaj[]>> calls = List.of(
                        args -> grassmann.retract(args[0], args[1], y),
                        args -> grassmann.exponential(args[0], args[1], y));
                for (Consumer<DMatrixRMaj[]> call : calls) {
                    assertRejected("point x", () -> call.accept(new DMatrixRMaj[] {stretched(x, LARGE), step}));
                    assertRejected("tangent vector v",
                            () -> call.accept(new DMatrixRMaj[] {x, withVerticalPart(x, step, LARGE * length)}));
                    call.accept(new DMatrixRMaj[] {stretched(x, 1e-12), withVerticalPart(x, step, 1e-12 * length)});
                }
            }
            grassmann.retract(x, v, y);
            assertRejected("point y", () -> grassmann.inverseRetract(x, stretched(y, LARGE), grassmann.allocate()));
            assertRejected("point y", () -> grassmann.logarithm(x, stretched(y, LARGE), grassmann.allocate()));
        }
    }

    @Test
    void sphereRejectsBadPointsAndVectors() {
        for (SphereRetraction retraction : SphereRetraction.values()) {
            Sphere<DMatrixRMaj> sphere = new Sphere<>(kernels, N, P, retraction);
            SplittableRandom random = new SplittableRandom(3);
            DMatrixRMaj x = sphere.allocate();
            sphere.randomPoint(random, x);
            DMatrixRMaj v = sphere.allocate();
            sphere.randomTangent(x, random, v);
            DMatrixRMaj y = sphere.allocate();
            List<Consumer<DMatrixRMaj[]>> calls = List.of(
                    args -> sphere.retract(args[0], args[1], y),
                    args -> sphere.exponential(args[0], args[1], y));
            for (Consumer<DMatrixRMaj[]> call : calls) {
                assertRejected("point x", () -> call.accept(new DMatrixRMaj[] {stretched(x, LARGE), v}));
                assertRejected("tangent vector v", () -> call.accept(new DMatrixRMaj[] {x, withVerticalPart(x, v, LARGE)}));
                call.accept(new DMatrixRMaj[] {stretched(x, 1e-12), withVerticalPart(x, v, 1e-12)});
            }
            sphere.retract(x, v, y);
            assertRejected("point y", () -> sphere.inverseRetract(x, stretched(y, LARGE), sphere.allocate()));
        }
    }
}
