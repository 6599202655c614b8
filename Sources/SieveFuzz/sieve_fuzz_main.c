// `sieve-fuzz`: libFuzzer's entry points are in the FuzzTargets library (LLVMFuzzerInitialize,
// LLVMFuzzerTestOneInput; the target is chosen by SIEVE_FUZZ_TARGET). Built by `make fuzz` with
// -sanitize=fuzzer,address, libFuzzer supplies `main`. Built plainly (`swift build`), this weak `main` is a replay
// driver instead: `SIEVE_FUZZ_TARGET=feed sieve-fuzz FILE…` runs each file through the target once, which
// reproduces a finding without sanitizers.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((weak)) int main(int argc, char **argv) {
    LLVMFuzzerInitialize(&argc, &argv);
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { fprintf(stderr, "sieve-fuzz: cannot open %s\n", argv[i]); failed = 1; continue; }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
        size_t got = n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
        fclose(f);
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
        fprintf(stderr, "sieve-fuzz: ran %s (%zu bytes)\n", argv[i], got);
    }
    if (argc < 2) fprintf(stderr, "sieve-fuzz: built without libFuzzer; give input files to replay (make fuzz builds the fuzzer)\n");
    return failed;
}
