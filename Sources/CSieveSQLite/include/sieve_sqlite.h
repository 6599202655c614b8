#ifndef SIEVE_SQLITE_H
#define SIEVE_SQLITE_H

struct sqlite3;

/// Registers `sieve_hamming(a, b)` on a connection: how many bits differ between two 64-bit integers (NULL when
/// either is not an integer). Returns an SQLite result code.
int sieve_sqlite_register_hamming(struct sqlite3 *db);

/// The SQLite library's version ("3.40.1"), the one this process runs with.
const char *sieve_sqlite_version(void);

#endif
