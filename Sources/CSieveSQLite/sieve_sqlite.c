// SQL functions in C for the SQLite backend. The near-duplicate lookup calls sieve_hamming on up to 512 candidates
// per stored post; as a GRDB DatabaseFunction (a Swift closure over boxed DatabaseValues) it was about 6% of the
// 200,000-post burst's CPU.
#include <sqlite3.h>
#include "sieve_sqlite.h"

static void sieve_hamming(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER || sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
        sqlite3_result_null(context);
        return;
    }
    sqlite3_uint64 x = (sqlite3_uint64)sqlite3_value_int64(argv[0]) ^ (sqlite3_uint64)sqlite3_value_int64(argv[1]);
    sqlite3_result_int(context, __builtin_popcountll(x));
}

int sieve_sqlite_register_hamming(struct sqlite3 *db) {
    return sqlite3_create_function_v2(
        db, "sieve_hamming", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, 0, sieve_hamming, 0, 0, 0);
}

const char *sieve_sqlite_version(void) { return sqlite3_libversion(); }
