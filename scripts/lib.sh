# The prologue of every script under scripts/, sourced as its first command:
#   . "$(dirname "$0")/lib.sh"
# Strict mode, the repository root as the working directory ($root), and the two settings every
# script respects: CARGO (default cargo) and CARGO_TARGET_DIR ($target_dir, made absolute).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
CARGO=${CARGO:-cargo}
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
