/* The sparse leaky-tanh ESN harvest, x' = (1 - a) x + a tanh(W x + W_in u + b), for any CPU
   that GCC or Clang targets (reservoir/kernels/native.py compiles it on the user's machine,
   with -march=$RESERVOIR_NATIVE_MARCH, default native, and checks every argument before the
   call; the jax scan is the reference it must equal: tests/test_native.py).

   Why by hand: the step is bound by the loads of the sparse product (an index, a weight and
   a gathered state value per connection) and by tanh, which neither jax nor a plain C loop
   vectorises well. The arithmetic is written once, on vectors of the compilers' vector
   extensions as wide as the target's registers: W = 8 doubles with AVX-512, 4 with AVX2
   (x86-64-v3), 2 with SSE2 or arm64 NEON. (Wider vectors than the registers are no shortcut:
   GCC 12 keeps them in memory, several times slower.) Only the width depends on the instruction set.

   W is in the runner's (k, N) layout: slot s of unit i is idx[s * n + i], val[s * n + i].
   W_in is passed transposed, (d, N). One sequence is batch == 1; a batch keeps its state as
   (N, B), so the presynaptic values a unit gathers are one contiguous row of B values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
#define W 8
#elif defined(__AVX__)
#define W 4
#else
#define W 2
#endif
typedef double vd __attribute__((vector_size(8 * W)));
typedef int64_t vl __attribute__((vector_size(8 * W)));
#if defined(__clang__) || __GNUC__ >= 12
#define SHUFFLE(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define SHUFFLE(a, b, ...) __builtin_shuffle(a, b, (vl){__VA_ARGS__})
#endif

/* Unaligned loads and stores (memcpy compiles to one vector move). */
static inline vd load(const double *p) { vd v; memcpy(&v, p, sizeof v); return v; }
static inline void store(double *p, vd v) { memcpy(p, &v, sizeof v); }
static inline vd splat(double x) {
    vd v;
    for (int l = 0; l < W; l++) v[l] = x;
    return v;
}
/* mask ? a : b, lane by lane, for masks of all ones or all zeros (vector comparisons). */
static inline vd select_lanes(vl mask, vd a, vd b) { return (vd)((mask & (vl)a) | (~mask & (vl)b)); }

/* base[j[0]], ..., base[j[W - 1]]: plain loads, which the compiler packs into a vector. The
   gather instructions were no faster where measured (AMD EPYC, Zen 5): the same with AVX-512,
   a slower step with AVX2's. */
static inline vd gather(const double *base, const int32_t *j) {
    vd v;
    for (int l = 0; l < W; l++) v[l] = base[j[l]];
    return v;
}

/* tanh of W doubles. tanh|x| = -e / (2 + e) with e = expm1(-2|x|), which has no cancellation
   anywhere; expm1(y) = 2^k (1 + expm1(r)) - 1 with y = k ln 2 + r, |r| <= ln(2) / 2, and
   expm1(r) a polynomial of degree 11. |x| is capped at 20, where tanh is 1 to double
   precision. Within 4 ulp of numpy's tanh (tests/test_native.py). */
static inline vd tanh_lanes(vd x) {
    const vl sign = (vl)splat(-0.0);
    vd ax = (vd)((vl)x & ~sign);
    ax = select_lanes(ax > 20.0, splat(20.0), ax); /* a NaN compares false and stays NaN */
    vd y = ax * -2.0;
    /* Round y / ln 2 to the nearest integer k by adding 1.5 * 2^52: k is then the low bits of
       the sum (|k| <= 58), and the sum minus 1.5 * 2^52 is k as a double. */
    const vd shifter = splat(6755399441055744.0);
    vd shifted = y * 1.4426950408889634 + shifter;
    vd k = shifted - shifter;
    /* ln 2 split in a high part with trailing zeros (k * ln2_hi is exact) and the rest. */
    vd r = k * -6.93147180369123816490e-01 + y;
    r = k * -1.90821492927058770002e-10 + r;
    /* expm1(r) = r g(r): g is the Taylor series of expm1(r) / r to degree 12, economised to
       degree 10 with Chebyshev polynomials on |r| <= 0.3466 (added error below 1.8e-17). */
    vd p = splat(2.5109984325088492e-08);
    p = p * r + 2.7626288052064964e-07;
    p = p * r + 2.7557241005808083e-06;
    p = p * r + 2.4801504448258215e-05;
    p = p * r + 1.9841269889992288e-04;
    p = p * r + 1.3888888932434575e-03;
    p = p * r + 8.333333333319615e-03;
    p = p * r + 4.166666666657325e-02;
    p = p * r + 1.666666666666668e-01;
    p = p * r + 5.000000000000006e-01;
    p = p * r + 1.0;
    p = p * r; /* expm1(r) */
    /* 2^k from its exponent bits, k in [-58, 0] */
    vd scale = (vd)(((vl)shifted - (vl)shifter + 1023) << 52);
    /* 2^k expm1(r) + (2^k - 1); 2^k - 1 is exact for the k that matter. */
    vd e = scale * p + (scale - 1.0);
    vd t = e / (-2.0 - e); /* -e / (2 + e) >= 0, or -0 for x = 0 */
    return (vd)(((vl)t & ~sign) | ((vl)x & sign)); /* |t| with the sign of x */
}

/* Element-wise tanh of n doubles (exposed for the accuracy test). */
void tanh_array(int64_t n, const double *x, double *out) {
    int64_t i = 0;
    for (; i + W <= n; i += W) store(out + i, tanh_lanes(load(x + i)));
    for (; i < n; i++) out[i] = tanh_lanes(splat(x[i]))[0];
}

/* The first m lanes of v to p (none for m <= 0). */
static inline void store_first(double *p, vd v, int64_t m) {
    if (m >= W) store(p, v);
    else if (m > 0) memcpy(p, &v, (size_t)m * sizeof(double));
}

/* The weights, copied with the units padded to n8 (a multiple of 8, so of W; padding: index
   0, weight 0), so every loop below runs on whole vectors. */
struct weights {
    int64_t n, n8, k, d;
    int32_t *idx;        /* (k, n8) */
    double *val, *win_t; /* (k, n8), (d, n8) */
    double *bias, *leak; /* (n8) */
};

/* One sequence: inputs u (T, d); state (N) in, final state out; features row t at
   out + t * out_stride (a row stride, so the caller can write into a wider array). The step
   reads the previous state from its own buffer, not from the output, which may be a column
   slice the caller reads later. */
static void run_single(const struct weights *w, int64_t T, const double *u, double *state,
                       double *out, int64_t out_stride, double *scratch) {
    const int64_t n = w->n, n8 = w->n8, k = w->k, d = w->d;
    double *pre = scratch, *prev = scratch + n8, *cur = scratch + 2 * n8;
    memcpy(prev, state, (size_t)n * sizeof(double));
    for (int64_t t = 0; t < T; t++) {
        const double *ut = u + t * d;
        double *row = out + t * out_stride;
        /* Pass 1: pre-activations (the gathers); pass 2: tanh, leak and the stores. Two
           simple loops pipeline better than one fused loop. */
        for (int64_t i = 0; i < n8; i += W) {
            vd acc = load(w->bias + i);
            for (int64_t c = 0; c < d; c++) acc += load(w->win_t + c * n8 + i) * ut[c];
            vd acc2 = splat(0.0); /* two accumulators: the gathers of two slots overlap */
            int64_t s = 0;
            for (; s + 1 < k; s += 2) {
                acc += load(w->val + s * n8 + i) * gather(prev, w->idx + s * n8 + i);
                acc2 += load(w->val + (s + 1) * n8 + i) * gather(prev, w->idx + (s + 1) * n8 + i);
            }
            if (s < k) acc += load(w->val + s * n8 + i) * gather(prev, w->idx + s * n8 + i);
            store(pre + i, acc + acc2);
        }
        for (int64_t i = 0; i < n8; i += W) {
            vd x = load(prev + i);
            /* x + a (tanh - x) = (1 - a) x + a tanh; padded units stay 0 (leak 0) */
            vd next = x + load(w->leak + i) * (tanh_lanes(load(pre + i)) - x);
            store(cur + i, next);
            store_first(row + i, next, n - i);
        }
        double *swap = prev;
        prev = cur;
        cur = swap;
    }
    memcpy(state, prev, (size_t)n * sizeof(double));
}

/* Shuffle masks of the W x W transpose: round h (1, 2, 4) swaps the off-diagonal h x h blocks
   of rows j and j + h: LO takes lane l from a where (l & h) == 0, else lane l - h of b; HI
   lane l + h of a, else lane l of b (b's lanes are numbered from W). */
#if W == 8
#define LO1 0, 8, 2, 10, 4, 12, 6, 14
#define HI1 1, 9, 3, 11, 5, 13, 7, 15
#define LO2 0, 1, 8, 9, 4, 5, 12, 13
#define HI2 2, 3, 10, 11, 6, 7, 14, 15
#define LO4 0, 1, 2, 3, 8, 9, 10, 11
#define HI4 4, 5, 6, 7, 12, 13, 14, 15
#elif W == 4
#define LO1 0, 4, 2, 6
#define HI1 1, 5, 3, 7
#define LO2 0, 1, 4, 5
#define HI2 2, 3, 6, 7
#else
#define LO1 0, 2
#define HI1 1, 3
#endif

/* Transpose rows[0..W-1] in registers: afterwards rows[j] holds lane j of each input row. */
static inline void transpose(vd rows[W]) {
    for (int j = 0; j < W; j += 2) {
        vd a = rows[j], b = rows[j + 1];
        rows[j] = SHUFFLE(a, b, LO1);
        rows[j + 1] = SHUFFLE(a, b, HI1);
    }
#if W >= 4
    for (int j = 0; j < W; j += 4)
        for (int i = j; i < j + 2; i++) {
            vd a = rows[i], b = rows[i + 2];
            rows[i] = SHUFFLE(a, b, LO2);
            rows[i + 2] = SHUFFLE(a, b, HI2);
        }
#endif
#if W == 8
    for (int i = 0; i < 4; i++) {
        vd a = rows[i], b = rows[i + 4];
        rows[i] = SHUFFLE(a, b, LO4);
        rows[i + 4] = SHUFFLE(a, b, HI4);
    }
#endif
}

/* B sequences: inputs u (T, d, B); state (N, B) in, final state out; lengths[b] real steps
   of sequence b, or NULL for all T (later steps keep its state, as the padded jax scan does);
   features of sequence b at step t, unit i at out[b * stride_b + t * stride_t + i]. The
   sequences are taken 8 at a time, as V = 8 / W vectors (the state is kept as (N, B8), B8 a
   multiple of 8), so a unit's presynaptic values are V contiguous vectors, and each index and
   weight is loaded once for 8 sequences. In pass 2 the W x W blocks of (unit, sequence)
   values are transposed in registers, so each sequence's features are written as contiguous
   runs of W units. */
#define V (8 / W)
static void run_batch(const struct weights *w, int64_t B, int64_t T, const double *u,
                      const int64_t *lengths, double *state, double *out, int64_t stride_b,
                      int64_t stride_t, double *scratch) {
    const int64_t n = w->n, n8 = w->n8, k = w->k, d = w->d, B8 = (B + 7) / 8 * 8;
    double *pre = scratch, *ub = scratch + 8 * n8, *prev = ub + 8 * d, *cur = prev + n8 * B8;
    for (int64_t i = 0; i < n; i++) memcpy(prev + i * B8, state + i * B, (size_t)B * sizeof(double));
    for (int64_t t = 0; t < T; t++) {
        for (int64_t b0 = 0; b0 < B; b0 += 8) {
            const int64_t nb = B - b0 < 8 ? B - b0 : 8;
            vl live[V];
            for (int64_t l = 0; l < 8; l++)
                live[l / W][l % W] = l < nb && (lengths == NULL || t < lengths[b0 + l]) ? -1 : 0;
            for (int64_t c = 0; c < d; c++) {
                memset(ub + 8 * c, 0, 8 * sizeof(double));
                memcpy(ub + 8 * c, u + (t * d + c) * B + b0, (size_t)nb * sizeof(double));
            }
            /* Pass 1: pre-activations of all units into pre (N x 8). */
            for (int64_t i = 0; i < n; i++) {
                vd acc[V], acc2[V];
                for (int v = 0; v < V; v++) {
                    acc[v] = splat(w->bias[i]);
                    acc2[v] = splat(0.0);
                    for (int64_t c = 0; c < d; c++) acc[v] += load(ub + 8 * c + v * W) * w->win_t[c * n8 + i];
                }
                int64_t s = 0;
                for (; s + 1 < k; s += 2) {
                    const double *r0 = prev + (int64_t)w->idx[s * n8 + i] * B8 + b0;
                    const double *r1 = prev + (int64_t)w->idx[(s + 1) * n8 + i] * B8 + b0;
                    const double w0 = w->val[s * n8 + i], w1 = w->val[(s + 1) * n8 + i];
                    for (int v = 0; v < V; v++) {
                        acc[v] += load(r0 + v * W) * w0;
                        acc2[v] += load(r1 + v * W) * w1;
                    }
                }
                if (s < k) {
                    const double *r0 = prev + (int64_t)w->idx[s * n8 + i] * B8 + b0;
                    for (int v = 0; v < V; v++) acc[v] += load(r0 + v * W) * w->val[s * n8 + i];
                }
                for (int v = 0; v < V; v++) store(pre + i * 8 + v * W, acc[v] + acc2[v]);
            }
            /* Pass 2: tanh, leak, the state, and the features in W x W blocks (padded units:
               leak 0, so they keep the state 0). */
            for (int64_t i0 = 0; i0 < n; i0 += W)
                for (int v = 0; v < V && v * W < nb; v++) {
                    vd block[W];
                    for (int64_t i = i0; i < i0 + W; i++) {
                        vd x = load(prev + i * B8 + b0 + v * W);
                        vd next = x + w->leak[i] * (tanh_lanes(load(pre + i * 8 + v * W)) - x);
                        next = select_lanes(live[v], next, x);
                        store(cur + i * B8 + b0 + v * W, next);
                        block[i - i0] = next;
                    }
                    transpose(block); /* block[j]: units i0 .. i0 + W - 1 of sequence b0 + v W + j */
                    for (int64_t j = 0; j < W && v * W + j < nb; j++)
                        store_first(out + (b0 + v * W + j) * stride_b + t * stride_t + i0, block[j], n - i0);
                }
        }
        double *swap = prev;
        prev = cur;
        cur = swap;
    }
    for (int64_t i = 0; i < n; i++) memcpy(state + i * B, prev + i * B8, (size_t)B * sizeof(double));
}

/* Entry point (the caller, native.py, has checked every shape, stride and index). Returns 0,
   or -1 when memory could not be allocated. */
int sparse_esn_run(int64_t n, int64_t k, int64_t d, int64_t B, int64_t T, const int32_t *idx,
                   const double *val, const double *win_t, const double *bias, const double *leak,
                   const double *u, const int64_t *lengths, double *state, double *out,
                   int64_t stride_b, int64_t stride_t) {
    const int64_t n8 = (n + 7) / 8 * 8, B8 = (B + 7) / 8 * 8;
    /* the padded weights, then pre-activations (8 n8), inputs of a step (8 d) and two state
       buffers (n8 B8 each) */
    size_t doubles = (size_t)((k + d + 2) * n8 + 8 * n8 + 8 * d + 2 * n8 * B8);
    double *memory = calloc(doubles, sizeof(double));
    int32_t *padded_idx = calloc((size_t)(k * n8 + 1), sizeof(int32_t));
    if (!memory || !padded_idx) {
        free(memory);
        free(padded_idx);
        return -1;
    }
    struct weights w = {n, n8, k, d, padded_idx, memory, memory + k * n8, memory + (k + d) * n8,
                        memory + (k + d + 1) * n8};
    for (int64_t s = 0; s < k; s++) {
        memcpy(w.idx + s * n8, idx + s * n, (size_t)n * sizeof(int32_t));
        memcpy(w.val + s * n8, val + s * n, (size_t)n * sizeof(double));
    }
    for (int64_t c = 0; c < d; c++) memcpy(w.win_t + c * n8, win_t + c * n, (size_t)n * sizeof(double));
    memcpy(w.bias, bias, (size_t)n * sizeof(double));
    memcpy(w.leak, leak, (size_t)n * sizeof(double));
    double *scratch = memory + (k + d + 2) * n8;
    if (B == 1 && lengths == NULL)
        run_single(&w, T, u, state, out, stride_t, scratch);
    else
        run_batch(&w, B, T, u, lengths, state, out, stride_b, stride_t, scratch);
    free(memory);
    free(padded_idx);
    return 0;
}

/* 0 when this x86 CPU lacks an extension the library was compiled for (a build for
   RESERVOIR_NATIVE_MARCH=x86-64-v4 on an AVX2-only machine would stop the process with an
   illegal instruction), else 1 (other architectures: the -march chosen is trusted). */
int kernel_runs_here(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
#if defined(__AVX512F__)
    if (!__builtin_cpu_supports("avx512f")) return 0;
#endif
#if defined(__AVX2__)
    if (!__builtin_cpu_supports("avx2")) return 0;
#endif
#if defined(__FMA__)
    if (!__builtin_cpu_supports("fma")) return 0;
#endif
#endif
    return 1;
}
