#!/bin/sh
# Installs (or, with --uninstall, removes) Sieve: the binary in $PREFIX/bin, its resources (lexicons, models) in
# $PREFIX/share/sieve, systemd unit files in $SYSTEMD_UNITDIR, a starter config in $SYSCONFDIR/sieve (never
# overwritten). Everything installed is listed in $PREFIX/share/sieve/MANIFEST, which --uninstall reads, so it removes
# exactly what this script put there (a config you edited stays unless it is unchanged).
#
#   PREFIX=/usr/local DESTDIR= BINARY=.build/release/sieve scripts/install.sh [--uninstall]
#
# DESTDIR stages the tree for packaging: files go under $DESTDIR$PREFIX, but the paths written into unit files are
# the final ones ($PREFIX), as in every Makefile that honours DESTDIR.
set -eu

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BINARY=${BINARY:-.build/release/sieve}
case "$PREFIX" in
  /usr) DEFAULT_SYSCONF=/etc ;;
  *) DEFAULT_SYSCONF=$PREFIX/etc ;;
esac
SYSCONFDIR=${SYSCONFDIR:-$DEFAULT_SYSCONF}
SYSTEMD_UNITDIR=${SYSTEMD_UNITDIR:-$PREFIX/lib/systemd/system}
SRC=$(cd "$(dirname "$0")/.." && pwd)

case "$PREFIX" in /*) ;; *) echo "install: PREFIX must be an absolute path, got '$PREFIX'" >&2; exit 2 ;; esac

share=$DESTDIR$PREFIX/share/sieve
manifest=$share/MANIFEST

if [ "${1:-}" = "--uninstall" ]; then
  if [ ! -f "$manifest" ]; then
    echo "uninstall: nothing to remove: $manifest not found (was Sieve installed with PREFIX=$PREFIX DESTDIR=$DESTDIR?)" >&2
    exit 1
  fi
  removed=0
  kept=""
  while IFS='	' read -r kind path sum; do
    target=$DESTDIR$path
    [ -e "$target" ] || [ -L "$target" ] || continue
    if [ "$kind" = "config" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" != "$sum" ]; then
      kept="$kept $target"   # edited by its owner: keep it
      continue
    fi
    rm -f "$target"
    removed=$((removed + 1))
  done < "$manifest"
  rm -f "$manifest"
  # Folders this script created, deepest first, when they are empty now.
  for d in "$share/Models" "$share/Lexicons" "$share/examples" "$share" "$DESTDIR$SYSCONFDIR/sieve" \
           "$DESTDIR$SYSTEMD_UNITDIR"; do
    rmdir "$d" 2>/dev/null || true
  done
  echo "uninstalled: $removed file(s) removed from $DESTDIR$PREFIX"
  [ -z "$kept" ] || echo "kept (edited since install):$kept"
  exit 0
fi

if [ ! -x "$BINARY" ]; then
  echo "install: $BINARY not found or not executable; build it first (make install does: swift build -c release)" >&2
  exit 1
fi
for f in "$SRC/Lexicons/places.tsv" "$SRC/Models/disaster.nbm"; do
  [ -f "$f" ] || { echo "install: $f missing (run from a complete source tree; Models/ come from make models)" >&2; exit 1; }
done

mkdir -p "$DESTDIR$PREFIX/bin" "$share/Lexicons" "$share/Models" "$share/examples" "$DESTDIR$SYSTEMD_UNITDIR" \
         "$DESTDIR$SYSCONFDIR/sieve"
tmpmanifest=$(mktemp)
trap 'rm -f "$tmpmanifest"' EXIT
record() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$tmpmanifest"; }

install -m 0755 "$BINARY" "$DESTDIR$PREFIX/bin/sieve"; record file "$PREFIX/bin/sieve"
for f in "$SRC"/Lexicons/*; do
  install -m 0644 "$f" "$share/Lexicons/"; record file "$PREFIX/share/sieve/Lexicons/$(basename "$f")"
done
for f in "$SRC"/Models/*.nbm "$SRC"/Models/README.md; do
  [ -f "$f" ] || continue
  install -m 0644 "$f" "$share/Models/"; record file "$PREFIX/share/sieve/Models/$(basename "$f")"
done
for f in README.md ARCHITECTURE.md; do
  install -m 0644 "$SRC/$f" "$share/$f"; record file "$PREFIX/share/sieve/$f"
done

# Unit files with the final paths filled in.
for unit in "$SRC"/deploy/systemd/*.service "$SRC"/deploy/systemd/*.timer "$SRC"/deploy/systemd/*.target; do
  [ -f "$unit" ] || continue
  name=$(basename "$unit")
  sed -e "s|@BINDIR@|$PREFIX/bin|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" -e "s|@DATADIR@|$PREFIX/share|g" "$unit" \
    > "$DESTDIR$SYSTEMD_UNITDIR/$name"
  chmod 0644 "$DESTDIR$SYSTEMD_UNITDIR/$name"
  record file "$SYSTEMD_UNITDIR/$name"
done

# A starter config, only when there is none (an operator's config is never overwritten).
"$DESTDIR$PREFIX/bin/sieve" init --force --config "$share/examples/sieve.toml" > /dev/null
chmod 0644 "$share/examples/sieve.toml"; record file "$PREFIX/share/sieve/examples/sieve.toml"
config=$DESTDIR$SYSCONFDIR/sieve/sieve.toml
if [ ! -e "$config" ]; then
  sed -e "s|^database *=.*|database = \"/var/lib/sieve/sieve.sqlite\"|" "$share/examples/sieve.toml" > "$config"
  chmod 0644 "$config"
  record config "$SYSCONFDIR/sieve/sieve.toml" "$(sha256sum "$config" | cut -d' ' -f1)"
  echo "wrote a starter config: $config (edit it: sources, channels)"
else
  # Still this install's own file when the previous manifest says so (uninstall then removes it if unchanged).
  previous=$(grep "^config	$SYSCONFDIR/sieve/sieve.toml	" "$manifest" 2>/dev/null || true)
  [ -z "$previous" ] || printf '%s\n' "$previous" >> "$tmpmanifest"
  echo "kept the existing config: $config"
fi

mv "$tmpmanifest" "$manifest"
chmod 0644 "$manifest"
trap - EXIT
echo "installed sieve into $DESTDIR$PREFIX ($(wc -l < "$manifest") files; units in $DESTDIR$SYSTEMD_UNITDIR)"
echo "check the installation with: $PREFIX/bin/sieve doctor --config $SYSCONFDIR/sieve/sieve.toml"
