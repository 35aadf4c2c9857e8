/* A hand-written C harvest of the sparse leaky-tanh ESN: the step with nothing around it.

   How fast can the step be on this machine, written directly? Compiled by
   benchmarks/step_floor.py (gcc -O3 -march=native -ffast-math -fopenmp-simd, so that tanh
   is glibc's vectorised one) with the in-degree and the input dimension fixed at compile time
   (-DKDEG=10 -DDIN=3), as a specialised kernel would have them; the states it computes are
   checked against ours there.

   Usage: reference_step DIR N T LEAK REPEATS
   DIR holds idx.bin (N*K int32, unit i's K presynaptic units together), val.bin (N*K
   float64), win.bin (N*D), bias.bin (N), inputs.bin (T*D). Prints the best seconds per run
   and writes the last state to DIR/last.bin. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void *load(const char *dir, const char *name, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    void *data = malloc(bytes);
    if (!f || !data || fread(data, 1, bytes, f) != bytes) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return data;
}

static void harvest(int n, long T, double leak, const int *idx, const double *val,
                    const double *win, const double *bias, const double *u, const double *x0,
                    double *pre, double *out) {
    const double *prev = x0;
    for (long t = 0; t < T; t++) {
        double *cur = out + t * n;
        for (int i = 0; i < n; i++) {
            double acc = bias[i];
            for (int c = 0; c < DIN; c++) acc += win[i * DIN + c] * u[t * DIN + c];
            for (int j = 0; j < KDEG; j++) acc += val[i * KDEG + j] * prev[idx[i * KDEG + j]];
            pre[i] = acc;
        }
#pragma omp simd
        for (int i = 0; i < n; i++) cur[i] = (1.0 - leak) * prev[i] + leak * tanh(pre[i]);
        prev = cur;
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s DIR N T LEAK REPEATS\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int n = atoi(argv[2]), repeats = atoi(argv[5]), k = KDEG, d = DIN;
    long T = atol(argv[3]);
    double leak = atof(argv[4]);
    int *idx = load(dir, "idx.bin", sizeof(int) * n * k);
    double *val = load(dir, "val.bin", sizeof(double) * n * k);
    double *win = load(dir, "win.bin", sizeof(double) * n * d);
    double *bias = load(dir, "bias.bin", sizeof(double) * n);
    double *u = load(dir, "inputs.bin", sizeof(double) * T * d);
    double *x0 = calloc(n, sizeof(double)), *pre = malloc(sizeof(double) * n);
    size_t bytes = sizeof(double) * n * T;
    double best = 1e300;
    for (int r = 0; r < repeats; r++) {
        /* A fresh output per run, as any harvest returns one (huge pages, as numpy asks). */
        double *out = aligned_alloc(1 << 21, (bytes + (1 << 21) - 1) / (1 << 21) * (1 << 21));
        madvise(out, bytes, MADV_HUGEPAGE);
        double start = now();
        harvest(n, T, leak, idx, val, win, bias, u, x0, pre, out);
        double seconds = now() - start;
        if (seconds < best) best = seconds;
        if (r == repeats - 1) {
            char path[4096];
            snprintf(path, sizeof path, "%s/last.bin", dir);
            FILE *f = fopen(path, "wb");
            fwrite(out + (T - 1) * n, sizeof(double), n, f);
            fclose(f);
        }
        free(out);
    }
    printf("%.9f\n", best);
    return 0;
}
