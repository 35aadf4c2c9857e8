/* Runs the kernel (reservoir/kernels/sparse_esn.c, linked in) outside Python, for builds this
   machine cannot load (tests/test_native.py runs an arm64 build under qemu). Reads from
   argv[1]: int64 n, k, d, B, T, then idx (k, n) int32, val (k, n), win_t (d, n), bias (n),
   leak (n), u (T, d, B), state (n, B) as doubles, and lengths (B) int64 when B > 1; writes
   to argv[2] the final state (n, B) and the features (B, T, n) as doubles. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int sparse_esn_run(int64_t n, int64_t k, int64_t d, int64_t B, int64_t T, const int32_t *idx,
                   const double *val, const double *win_t, const double *bias, const double *leak,
                   const double *u, const int64_t *lengths, double *state, double *out,
                   int64_t stride_b, int64_t stride_t);

static void *take(FILE *f, size_t bytes) {
    void *p = malloc(bytes);
    if (!p || fread(p, 1, bytes, f) != bytes) exit(2);
    return p;
}

int main(int argc, char **argv) {
    if (argc != 3) return 1;
    FILE *f = fopen(argv[1], "rb"), *g = fopen(argv[2], "wb");
    if (!f || !g) return 1;
    int64_t *dims = take(f, 5 * sizeof(int64_t));
    int64_t n = dims[0], k = dims[1], d = dims[2], B = dims[3], T = dims[4];
    int32_t *idx = take(f, sizeof(int32_t) * k * n);
    double *val = take(f, 8 * k * n), *win_t = take(f, 8 * d * n), *bias = take(f, 8 * n);
    double *leak = take(f, 8 * n), *u = take(f, 8 * T * d * B), *state = take(f, 8 * n * B);
    int64_t *lengths = B > 1 ? take(f, 8 * B) : NULL;
    double *out = malloc(8 * B * T * n);
    if (!out || sparse_esn_run(n, k, d, B, T, idx, val, win_t, bias, leak, u, lengths, state, out, T * n, n))
        return 3;
    fwrite(state, 8, n * B, g);
    fwrite(out, 8, B * T * n, g);
    return fclose(g) != 0;
}
