# Shared helpers for scripts/*: logging, idempotent installs, caches outside the clone.
# shellcheck shell=bash

EC_CACHE="${EC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/export-collector}"
EC_VENV="$EC_CACHE/venv"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
fatal() { printf '[%s] error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else fatal "need root to run: $*"
  fi
}

# Installs the Debian packages that are not installed yet; a no-op (and no
# network) when all are present.
ensure_apt_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Puts the Swift toolchain on PATH (it lives in /opt/swift on our machines).
ensure_swift() {
  if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
  fi
  command -v swift >/dev/null 2>&1 || fatal "Swift 6.3 toolchain not found (install it, or put it in /opt/swift)"
}

# The Python venv for test infrastructure, kept in the cache so fresh clones
# reuse it; reinstalled only when scripts/requirements-test.txt changes.
ensure_python_venv() {
  local requirements
  requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/requirements-test.txt"
  if [[ ! -x "$EC_VENV/bin/python3" ]]; then
    python3 -c 'import ensurepip, venv' 2>/dev/null || ensure_apt_packages python3-venv
    log "creating Python venv in $EC_VENV"
    mkdir -p "$EC_CACHE"
    python3 -m venv "$EC_VENV"
  fi
  local stamp="$EC_VENV/.requirements.sha256"
  local wanted
  wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$wanted" ]]; then
    log "installing test requirements into the venv"
    "$EC_VENV/bin/python3" -m pip install -q --disable-pip-version-check -r "$requirements"
    echo "$wanted" >"$stamp"
  fi
  export PATH="$EC_VENV/bin:$PATH"
}

# Everything building and testing needs, on a fresh Debian machine.
ensure_build_dependencies() {
  ensure_apt_packages pkg-config libcurl4-openssl-dev zlib1g-dev ca-certificates
  ensure_swift
}
