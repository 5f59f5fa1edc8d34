#!/usr/bin/env bash
# The Debian package, end to end: builds it with cargo-deb from the debug
# build that `cargo test` left (no release build: CI time), installs it with
# dpkg, checks what was installed (the binary, the unit, the configuration,
# the linewarden user and /var/lib/linewarden), runs the installed service
# as its user until it has made its call log, and purges the package.
#
#   tests/deb.sh        (as root; tests/run calls it after cargo test)
#
# cargo-deb is installed when missing (cargo install, about a minute of
# compiling on two cores). The version is pinned: packaging the dev profile
# is what this test does, and cargo-deb 3 warns that later versions may
# refuse it.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
CARGO_DEB_VERSION=3.8.0

if [ "$(id -u)" -ne 0 ]; then
    echo "tests/deb.sh: skipped: installing a package needs root"
    exit 0
fi
if dpkg-query -W -f='${Status}' linewarden 2>/dev/null | grep -q "installed"; then
    echo "tests/deb.sh: skipped: a linewarden package is already installed here"
    exit 0
fi
fail() { echo "tests/deb.sh: FAILED: $*" >&2; exit 1; }

if ! cargo-deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
    started=$(date +%s)
    $CARGO install cargo-deb --version "$CARGO_DEB_VERSION" --locked
    echo "tests/deb.sh: cargo-deb $CARGO_DEB_VERSION built in $(($(date +%s) - started)) s"
fi

had_user=no
getent passwd linewarden >/dev/null && had_user=yes
out=$(mktemp -d)
service=""
cleanup() {
    [ -n "$service" ] && kill "$service" 2>/dev/null || true
    dpkg --purge linewarden >/dev/null 2>&1 || true
    if [ "$had_user" = no ] && getent passwd linewarden >/dev/null; then
        deluser --quiet --system linewarden >/dev/null 2>&1 || true
        rm -rf /var/lib/linewarden
    fi
    rm -rf "$out"
}
trap cleanup EXIT

$CARGO build --locked --bin linewarden  # what cargo test built: nothing to do
$CARGO deb --no-build --profile dev --fast --quiet --output "$out" >/dev/null
deb=$(ls "$out"/linewarden_*.deb)
contents=$(dpkg-deb --contents "$deb")
for file in ./usr/bin/linewarden ./usr/lib/systemd/system/linewarden.service \
    ./etc/linewarden/linewarden.toml ./usr/share/doc/linewarden/README.md; do
    grep -q " $file\$" <<<"$contents" || fail "$file is not in the package"
done
dpkg-deb --field "$deb" Depends | grep -q libpocketsphinx3 || fail "no dependency on libpocketsphinx3"

dpkg -i "$deb"
/usr/bin/linewarden --version
/usr/bin/linewarden check-config --config /etc/linewarden/linewarden.toml
getent passwd linewarden >/dev/null || fail "no linewarden user"
[ "$(stat -c %U:%a /var/lib/linewarden)" = linewarden:750 ] || fail "/var/lib/linewarden: $(stat -c %U:%a /var/lib/linewarden)"
[ "$(stat -c %G:%a /etc/linewarden/linewarden.toml)" = linewarden:640 ] ||
    fail "/etc/linewarden/linewarden.toml: $(stat -c %G:%a /etc/linewarden/linewarden.toml)"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /usr/lib/systemd/system/linewarden.service
fi

# The service as its user, on the installed configuration (another port, in
# case 5060 is taken here, and outside the configuration's RTP range,
# 20000-21999): it can read the configuration and write its state directory.
as_user=(setpriv --reuid=linewarden --regid=linewarden --init-groups)
port=$((22000 + RANDOM % 8000))
"${as_user[@]}" /usr/bin/linewarden check-config --config /etc/linewarden/linewarden.toml
"${as_user[@]}" env RUST_LOG=warn /usr/bin/linewarden serve --config /etc/linewarden/linewarden.toml \
    --listen "127.0.0.1:$port" &
service=$!
for _ in $(seq 100); do
    [ -f /var/lib/linewarden/calls.sqlite ] && break
    kill -0 "$service" 2>/dev/null || fail "the installed service stopped"
    sleep 0.1
done
[ -f /var/lib/linewarden/calls.sqlite ] || fail "the installed service made no call log"
kill -TERM "$service"
wait "$service" || fail "the installed service did not stop cleanly"
service=""
/usr/bin/linewarden calls --config /etc/linewarden/linewarden.toml | grep -q "no calls" ||
    fail "calls on the installed configuration"

dpkg --purge linewarden
[ ! -e /usr/bin/linewarden ] || fail "/usr/bin/linewarden left after purge"
echo "tests/deb.sh: the package built, installed, ran as its user and purged cleanly"
