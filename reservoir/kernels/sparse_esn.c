/* The sparse leaky-tanh ESN harvest, x' = (1 - a) x + a tanh(W x + W_in u + b), written for
   AVX-512 (see reservoir/kernels/native.py, which compiles it on the user's machine with
   -march=native, and falls back to the jax scan when it cannot).

   Why by hand: the step is bound by the loads of the sparse product (an index, a weight and
   a gathered state value per connection) and by tanh. Here the gathers are 8 doubles wide
   (AVX-512) and tanh is a polynomial written for the vector unit (within 3 ulp of numpy's
   tanh: tests/test_native.py). At N = 1000, in-degree 10 on a 2-core Xeon, the jax scan took
   9 us per step and this kernel 6 (benchmarks/speed_suite.py); a plain C loop left to gcc's
   vectoriser with glibc's vector tanh took 7.5, and numba 10-13.

   W is in the runner's (k, N) layout: slot s of unit i is idx[s * n + i], val[s * n + i].
   W_in is passed transposed, (d, N). One sequence is batch == 1; a batch keeps its state as
   (N, B), so the presynaptic values a unit gathers are one contiguous row of B values. */
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef __AVX512F__
#error "this kernel needs AVX-512 (the caller falls back to jax without it)"
#endif

/* tanh of 8 doubles. tanh|x| = -e / (2 + e) with e = expm1(-2|x|), which has no cancellation
   anywhere; expm1(y) = 2^k (1 + expm1(r)) - 1 with y = k ln 2 + r, |r| <= ln(2) / 2, and
   expm1(r) a polynomial of degree 11. |x| is capped at 20, where tanh is 1 to double
   precision. */
static inline __m512d tanh8(__m512d x) {
    const __m512d sign_mask = _mm512_castsi512_pd(_mm512_set1_epi64(0x8000000000000000LL));
    /* min(20, |x|) in this order: vminpd returns its second operand when one is NaN, so a
       NaN input stays NaN. */
    __m512d ax = _mm512_min_pd(_mm512_set1_pd(20.0), _mm512_andnot_pd(sign_mask, x));
    __m512d y = _mm512_mul_pd(ax, _mm512_set1_pd(-2.0));
    __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(y, _mm512_set1_pd(1.4426950408889634)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    /* ln 2 split in a high part with trailing zeros (k * ln2_hi is exact) and the rest. */
    __m512d r = _mm512_fmadd_pd(k, _mm512_set1_pd(-6.93147180369123816490e-01), y);
    r = _mm512_fmadd_pd(k, _mm512_set1_pd(-1.90821492927058770002e-10), r);
    /* expm1(r) = r g(r): g is the Taylor series of expm1(r) / r to degree 12, economised to
       degree 10 with Chebyshev polynomials on |r| <= 0.3466 (added error below 1.8e-17). */
    __m512d p = _mm512_set1_pd(2.5109984325088492e-08);
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(2.7626288052064964e-07));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(2.7557241005808083e-06));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(2.4801504448258215e-05));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.9841269889992288e-04));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.3888888932434575e-03));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(8.333333333319615e-03));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(4.166666666657325e-02));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.666666666666668e-01));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(5.000000000000006e-01));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
    p = _mm512_mul_pd(p, r); /* expm1(r) */
    __m512d scale = _mm512_scalef_pd(_mm512_set1_pd(1.0), k); /* 2^k, k <= 0 */
    /* 2^k expm1(r) + (2^k - 1); 2^k - 1 is exact for the k that matter. */
    __m512d e = _mm512_fmadd_pd(scale, p, _mm512_sub_pd(scale, _mm512_set1_pd(1.0)));
    __m512d t = _mm512_div_pd(e, _mm512_sub_pd(_mm512_set1_pd(-2.0), e)); /* -e / (2 + e) >= 0 */
    /* The sign bit from x, the rest from t, in one bitwise select (x & m) | (t & ~m). */
    return _mm512_castsi512_pd(_mm512_ternarylogic_epi64(_mm512_castpd_si512(t), _mm512_castpd_si512(x),
                                                         _mm512_castpd_si512(sign_mask), 0xD8));
}

static inline __mmask8 lanes(long done, long total) {
    long left = total - done;
    return left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1u);
}

/* Element-wise tanh of n doubles (exposed for the accuracy test). */
void tanh_array(long n, const double *x, double *out) {
    for (long i = 0; i < n; i += 8) {
        __mmask8 m = lanes(i, n);
        _mm512_mask_storeu_pd(out + i, m, tanh8(_mm512_maskz_loadu_pd(m, x + i)));
    }
}

/* One sequence: inputs u (T, d); state (N) in, final state out; features row t at
   out + t * out_stride (a row stride, so the caller can write into a wider array). scratch
   holds the pre-activations and two state buffers, alternated: the step reads the previous
   state from there, not from the output, which may be a column slice the caller reads later. */
static void run_single(long n, long k, long d, long T, const int32_t *idx, const double *val,
                       const double *win_t, const double *bias, const double *leak,
                       const double *u, double *state, double *out, long out_stride, double *scratch) {
    long n8 = (n + 7) / 8 * 8; /* pre is padded to whole vectors */
    double *pre = scratch, *prev = scratch + n8, *cur = scratch + n8 + n;
    for (long i = 0; i < n; i++) prev[i] = state[i];
    for (long t = 0; t < T; t++) {
        const double *ut = u + t * d;
        double *row = out + t * out_stride;
        /* Pass 1: pre-activations (the gathers); pass 2: tanh, leak and the stores. Two
           simple loops pipeline better than one fused loop: 5-8 % faster here, 12 % for
           batches (2-core Xeon, N = 1000, in-degree 10). */
        for (long i = 0; i < n; i += 8) {
            __mmask8 m = lanes(i, n);
            __m512d acc = _mm512_maskz_loadu_pd(m, bias + i);
            for (long c = 0; c < d; c++)
                acc = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, win_t + c * n + i), _mm512_set1_pd(ut[c]), acc);
            /* Two accumulators: the gathers of two slots overlap. */
            __m512d acc2 = _mm512_setzero_pd();
            long s = 0;
            for (; s + 1 < k; s += 2) {
                __m256i j0 = _mm256_maskz_loadu_epi32(m, idx + s * n + i);
                __m256i j1 = _mm256_maskz_loadu_epi32(m, idx + (s + 1) * n + i);
                acc = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, val + s * n + i),
                                      _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, j0, prev, 8), acc);
                acc2 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, val + (s + 1) * n + i),
                                       _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, j1, prev, 8), acc2);
            }
            if (s < k) {
                __m256i j0 = _mm256_maskz_loadu_epi32(m, idx + s * n + i);
                acc = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, val + s * n + i),
                                      _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, j0, prev, 8), acc);
            }
            _mm512_store_pd(pre + i, _mm512_add_pd(acc, acc2));
        }
        for (long i = 0; i < n; i += 8) {
            __mmask8 m = lanes(i, n);
            __m512d x = _mm512_maskz_loadu_pd(m, prev + i);
            __m512d a = _mm512_maskz_loadu_pd(m, leak + i);
            /* x + a (tanh - x) = (1 - a) x + a tanh */
            __m512d next = _mm512_fmadd_pd(a, _mm512_sub_pd(tanh8(_mm512_load_pd(pre + i)), x), x);
            _mm512_mask_storeu_pd(cur + i, m, next);
            _mm512_mask_storeu_pd(row + i, m, next);
        }
        double *swap = prev;
        prev = cur;
        cur = swap;
    }
    for (long i = 0; i < n; i++) state[i] = prev[i];
}

/* The 8 x 8 transpose of rows[0..7]: afterwards rows[j] holds element j of each input row.
   Three rounds of two-source shuffles (24 in all). */
static inline void transpose8(__m512d rows[8]) {
    __m512d t[8], s[8];
    for (int j = 0; j < 4; j++) {
        t[2 * j] = _mm512_unpacklo_pd(rows[2 * j], rows[2 * j + 1]);     /* r_a0 r_b0 r_a2 r_b2 ... */
        t[2 * j + 1] = _mm512_unpackhi_pd(rows[2 * j], rows[2 * j + 1]); /* r_a1 r_b1 r_a3 r_b3 ... */
    }
    const __m512i pairs_lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
    const __m512i pairs_hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
    for (int h = 0; h < 2; h++) {        /* rows 0-3, then 4-7 */
        for (int odd = 0; odd < 2; odd++) {
            __m512d a = t[4 * h + odd], b = t[4 * h + 2 + odd];
            s[4 * h + 2 * odd] = _mm512_permutex2var_pd(a, pairs_lo, b);     /* elements 0+odd, 4+odd */
            s[4 * h + 2 * odd + 1] = _mm512_permutex2var_pd(a, pairs_hi, b); /* elements 2+odd, 6+odd */
        }
    }
    /* s[0]: elements 0 and 4 of rows 0-3; s[1]: 2 and 6; s[2]: 1 and 5; s[3]: 3 and 7 (s[4..7]:
       the same for rows 4-7). */
    const __m512i halves_lo = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
    const __m512i halves_hi = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
    const int element[4] = {0, 2, 1, 3};
    for (int q = 0; q < 4; q++) {
        rows[element[q]] = _mm512_permutex2var_pd(s[q], halves_lo, s[q + 4]);
        rows[element[q] + 4] = _mm512_permutex2var_pd(s[q], halves_hi, s[q + 4]);
    }
}

/* B sequences: inputs u (T, d, B); state (N, B) in, final state out; lengths[b] real steps
   of sequence b (later steps keep its state, as the padded jax scan does); features of
   sequence b at step t, unit i at out[b * stride_b + t * stride_t + i]. Units are taken 8 at
   a time, and their 8 x 8 blocks of (unit, sequence) values transposed in registers, so each
   sequence's features are written as contiguous runs of 8 units. */
static void run_batch(long n, long k, long d, long B, long T, const int32_t *idx, const double *val,
                      const double *win_t, const double *bias, const double *leak, const double *u,
                      const int64_t *lengths, double *state, double *out, long stride_b, long stride_t,
                      double *scratch) {
    double *pre = scratch, *prev = scratch + 8 * n, *cur = scratch + 8 * n + n * B;
    for (long i = 0; i < n * B; i++) prev[i] = state[i];
    for (long t = 0; t < T; t++) {
        const double *ut = u + t * d * B;
        for (long b0 = 0; b0 < B; b0 += 8) {
            __mmask8 m = lanes(b0, B);
            __mmask8 live = 0;
            for (long b = b0; b < b0 + 8 && b < B; b++)
                if (t < lengths[b]) live |= (__mmask8)(1u << (b - b0));
            /* Pass 1: pre-activations of all units into pre (N x 8); pass 2 below. */
            for (long i = 0; i < n; i++) {
                __m512d acc = _mm512_set1_pd(bias[i]);
                for (long c = 0; c < d; c++)
                    acc = _mm512_fmadd_pd(_mm512_set1_pd(win_t[c * n + i]),
                                          _mm512_maskz_loadu_pd(m, ut + c * B + b0), acc);
                __m512d acc2 = _mm512_setzero_pd();
                long s = 0;
                for (; s + 1 < k; s += 2) {
                    const double *r0 = prev + (long)idx[s * n + i] * B + b0;
                    const double *r1 = prev + (long)idx[(s + 1) * n + i] * B + b0;
                    acc = _mm512_fmadd_pd(_mm512_set1_pd(val[s * n + i]), _mm512_maskz_loadu_pd(m, r0), acc);
                    acc2 = _mm512_fmadd_pd(_mm512_set1_pd(val[(s + 1) * n + i]), _mm512_maskz_loadu_pd(m, r1), acc2);
                }
                if (s < k)
                    acc = _mm512_fmadd_pd(_mm512_set1_pd(val[s * n + i]),
                                          _mm512_maskz_loadu_pd(m, prev + (long)idx[s * n + i] * B + b0), acc);
                _mm512_store_pd(pre + i * 8, _mm512_add_pd(acc, acc2));
            }
            /* Pass 2: tanh, leak, the state, and the features 8 units at a time. */
            for (long i0 = 0; i0 < n; i0 += 8) {
                __m512d block[8];
                for (long j = 0; j < 8; j++) {
                    long i = i0 + j;
                    if (i >= n) {
                        block[j] = _mm512_setzero_pd();
                        continue;
                    }
                    __m512d x = _mm512_maskz_loadu_pd(m, prev + i * B + b0);
                    __m512d next = _mm512_fmadd_pd(_mm512_set1_pd(leak[i]),
                                                   _mm512_sub_pd(tanh8(_mm512_load_pd(pre + i * 8)), x), x);
                    next = _mm512_mask_blend_pd(live, x, next);
                    _mm512_mask_storeu_pd(cur + i * B + b0, m, next);
                    block[j] = next;
                }
                transpose8(block); /* block[j]: units i0..i0+7 of sequence b0 + j */
                __mmask8 units = lanes(i0, n);
                for (long j = 0; j < 8 && b0 + j < B; j++)
                    _mm512_mask_storeu_pd(out + (b0 + j) * stride_b + t * stride_t + i0, units, block[j]);
            }
        }
        double *swap = prev;
        prev = cur;
        cur = swap;
    }
    for (long i = 0; i < n * B; i++) state[i] = prev[i];
}

/* Entry point. Returns 0, or -1 when scratch memory could not be allocated. */
int sparse_esn_run(long n, long k, long d, long B, long T, const int32_t *idx, const double *val,
                   const double *win_t, const double *bias, const double *leak, const double *u,
                   const int64_t *lengths, double *state, double *out, long stride_b, long stride_t) {
    /* pre-activations (8 N: a vector per unit for batches, N rounded up to 8 for one
       sequence), then two state buffers of N B */
    double *scratch = aligned_alloc(64, ((size_t)(2 * n * B + 8 * n + 8) * sizeof(double) + 63) / 64 * 64);
    if (!scratch) return -1;
    if (B == 1 && lengths == NULL)
        run_single(n, k, d, T, idx, val, win_t, bias, leak, u, state, out, stride_t, scratch);
    else
        run_batch(n, k, d, B, T, idx, val, win_t, bias, leak, u, lengths, state, out, stride_b, stride_t, scratch);
    free(scratch);
    return 0;
}
