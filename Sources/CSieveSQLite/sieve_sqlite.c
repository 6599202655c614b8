// SQL functions in C for the SQLite backend. The near-duplicate lookup calls sieve_hamming on up to 512 candidates
// per stored post; as a GRDB DatabaseFunction (a Swift closure over boxed DatabaseValues) it was about 6% of the
// 200,000-post burst's CPU.
#include <sqlite3.h>
#include <stdio.h>
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

// SQLite's error log (sqlite3_log), for the errors an operator has to see with their cause: I/O errors, corruption,
// files that cannot be opened, a full disk. SQLite's own messages name the system call, errno and path
// ("os_unix.c:…: (9) read(…) - Bad file descriptor"), which the error a statement returns ("disk I/O error") does not.
// SQLite accepts SQLITE_CONFIG_LOG only before it is initialised, so this runs when the program is loaded.
static void sieve_sqlite_log(void *unused, int code, const char *message) {
    (void)unused;
    switch (code & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL:
        fprintf(stderr, "sqlite: error %d: %s\n", code, message ? message : "");
        break;
    default:
        break;
    }
}

__attribute__((constructor)) static void sieve_sqlite_install_log(void) {
    sqlite3_config(SQLITE_CONFIG_LOG, sieve_sqlite_log, (void *)0);
}
