package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * Stiefel, Grassmann and the sphere share one Hessian formula, {@link RiemannianSubmanifold}'s
 * {@code P_x(H[v] + W_x(v, G - P_x(G)))}, each supplying its Weingarten term. Checked against a
 * transcription on plain EJML of pymanopt 2.2.1's {@code euclidean_to_riemannian_hessian} of
 * {@code RiemannianSubmanifold} with the {@code projection} and {@code weingarten} of
 * {@code stiefel.py}, {@code grassmann.py} and {@code sphere.py}; and each manifold's Weingarten
 * term against its full Weingarten map.
 */
class SubmanifoldHessianTest {

    private static final double TOLERANCE = 1e-12;
    private static final int N = 9;
    private static final int P = 3;

    /** pymanopt's projections and Weingarten maps, on the host. */
    private interface Geometry {
        DMatrixRMaj projection(DMatrixRMaj x, DMatrixRMaj z);

        DMatrixRMaj weingarten(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj normal);
    }

    private static DMatrixRMaj symmetricPart(DMatrixRMaj a) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.transpose(a, out);
        CommonOps_DDRM.add(0.5, a, 0.5, out, out);
        return out;
    }

    private static DMatrixRMaj product(DMatrixRMaj a, boolean transposeA, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(transposeA ? a.numCols : a.numRows, b.numCols);
        if (transposeA) {
            CommonOps_DDRM.multTransA(a, b, out);
        } else {
            CommonOps_DDRM.mult(a, b, out);
        }
        return out;
    }

    private static DMatrixRMaj minus(DMatrixRMaj a, DMatrixRMaj b) {
        return CommonOps_DDRM.subtract(a, b, null);
    }

    /** stiefel.py: projection Z - X sym(X^T Z); weingarten -V X^T N - X sym(V^T N). */
    private static final Geometry STIEFEL = new Geometry() {
        @Override
        public DMatrixRMaj projection(DMatrixRMaj x, DMatrixRMaj z) {
            return minus(z, product(x, false, symmetricPart(product(x, true, z))));
        }

        @Override
        public DMatrixRMaj weingarten(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj normal) {
            DMatrixRMaj first = product(v, false, product(x, true, normal));
            DMatrixRMaj second = product(x, false, symmetricPart(product(v, true, normal)));
            DMatrixRMaj out = CommonOps_DDRM.add(first, second, null);
            CommonOps_DDRM.scale(-1.0, out);
            return out;
        }
    };

    /** grassmann.py: projection Z - X X^T Z; weingarten -V X^T N. */
    private static final Geometry GRASSMANN = new Geometry() {
        @Override
        public DMatrixRMaj projection(DMatrixRMaj x, DMatrixRMaj z) {
            return minus(z, product(x, false, product(x, true, z)));
        }

        @Override
        public DMatrixRMaj weingarten(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj normal) {
            DMatrixRMaj out = product(v, false, product(x, true, normal));
            CommonOps_DDRM.scale(-1.0, out);
            return out;
        }
    };

    /** sphere.py: projection z - <x, z> x; weingarten -<x, n> v. */
    private static final Geometry SPHERE = new Geometry() {
        @Override
        public DMatrixRMaj projection(DMatrixRMaj x, DMatrixRMaj z) {
            return CommonOps_DDRM.add(z, -CommonOps_DDRM.elementSum(CommonOps_DDRM.elementMult(x, z, null)), x, null);
        }

        @Override
        public DMatrixRMaj weingarten(DMatrixRMaj x, DMatrixRMaj v, DMatrixRMaj normal) {
            DMatrixRMaj out = v.copy();
            CommonOps_DDRM.scale(-CommonOps_DDRM.elementSum(CommonOps_DDRM.elementMult(x, normal, null)), out);
            return out;
        }
    };

    /** pymanopt's RiemannianSubmanifold.euclidean_to_riemannian_hessian. */
    private static DMatrixRMaj pymanopt(Geometry geometry, DMatrixRMaj x, DMatrixRMaj g, DMatrixRMaj h, DMatrixRMaj v) {
        DMatrixRMaj normalGradient = minus(g, geometry.projection(x, g));
        return CommonOps_DDRM.add(geometry.projection(x, h), geometry.weingarten(x, v, normalGradient), null);
    }

    private static void assertClose(DMatrixRMaj expected, DMatrixRMaj actual, String what) {
        double error = NormOps_DDRM.normF(minus(expected, actual));
        assertTrue(error <= TOLERANCE * Math.max(1.0, NormOps_DDRM.normF(expected)), () -> what + ": error " + error);
    }

    @Test
    void everySubmanifoldGivesPymanoptsHessian() {
        List<RiemannianSubmanifold<DMatrixRMaj>> manifolds = List.of(
                new Stiefel<>(Kernels.ejml(), N, P, StiefelRetraction.QR),
                new Grassmann<>(Kernels.ejml(), N, P, GrassmannRetraction.POLAR),
                new Sphere<>(Kernels.ejml(), N, P, SphereRetraction.NORMALIZATION));
        List<Geometry> geometries = List.of(STIEFEL, GRASSMANN, SPHERE);
        for (int k = 0; k < manifolds.size(); k++) {
            RiemannianSubmanifold<DMatrixRMaj> manifold = manifolds.get(k);
            Geometry geometry = geometries.get(k);
            SplittableRandom random = new SplittableRandom(k + 1);
            DMatrixRMaj x = manifold.allocate();
            manifold.randomPoint(random, x);
            DMatrixRMaj v = manifold.allocate();
            manifold.randomTangent(x, random, v);
            DMatrixRMaj g = new DMatrixRMaj(N, P);
            DMatrixRMaj h = new DMatrixRMaj(N, P);
            for (int i = 0; i < N * P; i++) {
                g.data[i] = random.nextGaussian();
                h.data[i] = random.nextGaussian();
            }
            DMatrixRMaj hessian = manifold.allocate();
            manifold.euclideanToRiemannianHessian(x, g, h, v, hessian);
            assertClose(pymanopt(geometry, x, g, h, v), hessian, manifold.name() + " Hessian");

            DMatrixRMaj term = manifold.allocate();
            manifold.weingartenOfNormalPart(x, v, g, term);
            DMatrixRMaj normalGradient = minus(g, geometry.projection(x, g));
            assertClose(geometry.projection(x, geometry.weingarten(x, v, normalGradient)), geometry.projection(x, term),
                    manifold.name() + " Weingarten term, projected");
        }
    }

    /** The manifolds' own full Weingarten maps are pymanopt's. */
    @Test
    void publicWeingartenMapsArePymanopts() {
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), N, P, StiefelRetraction.QR);
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(Kernels.ejml(), N, P, GrassmannRetraction.POLAR);
        Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), N, P, SphereRetraction.NORMALIZATION);
        SplittableRandom random = new SplittableRandom(7);
        DMatrixRMaj normal = new DMatrixRMaj(N, P);
        for (int i = 0; i < N * P; i++) {
            normal.data[i] = random.nextGaussian();
        }
        DMatrixRMaj x = stiefel.allocate();
        DMatrixRMaj v = stiefel.allocate();
        DMatrixRMaj out = stiefel.allocate();
        stiefel.randomPoint(random, x);
        stiefel.randomTangent(x, random, v);
        stiefel.weingarten(x, v, normal, out);
        assertClose(STIEFEL.weingarten(x, v, normal), out, "Stiefel");
        grassmann.randomPoint(random, x);
        grassmann.randomTangent(x, random, v);
        grassmann.weingarten(x, v, normal, out);
        assertClose(GRASSMANN.weingarten(x, v, normal), out, "Grassmann");
        sphere.randomPoint(random, x);
        sphere.randomTangent(x, random, v);
        sphere.weingarten(x, v, normal, out);
        assertClose(SPHERE.weingarten(x, v, normal), out, "sphere");
    }
}
