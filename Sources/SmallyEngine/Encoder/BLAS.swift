import CBLAS

/// The matrix products the encoder runs on BLIS (CBLAS interface): linear layers spread over several
/// threads, and attention of long sequences. Row-major throughout.
enum BLAS {
    /// `C[m,n] = A[m,k] · B[n,k]ᵀ + beta · C` — a linear layer with PyTorch-shaped weights `B`.
    @inline(__always)
    static func gemmTransposedB(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        beta: Float
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(m), Int32(n), Int32(k), 1.0,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C[m,n] = A[m,k] · B[k,n]`.
    @inline(__always)
    static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1.0,
                    a, Int32(lda), b, Int32(ldb), 0.0, c, Int32(ldc))
    }

    /// How many threads BLIS may use inside the next products. The encoder sets it at the start of
    /// every forward pass: all the engine's threads for a spread batch, 1 on a lane or in a group of
    /// a split batch (those run together and all want 1, so the setting is right whether BLIS keeps
    /// it per thread or not).
    static func setThreadCount(_ count: Int) {
        bli_thread_set_num_threads(Int(max(1, count)))
    }
}
