#!/bin/sh
# Regenerates examples/demo.bundle, the tiny git repository the example config builds.
# A bundle is a single file that `git clone` accepts, so a fresh clone of slashbuild has a
# real repository to build with no network and no setup step.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git init -q -b main "$work/demo"
cd "$work/demo"
g() { git -c user.name=slashbuild -c user.email=demo@slashbuild.invalid "$@"; }
cat > Makefile <<'MK'
test:
	@echo "Running the demo test suite on $$SLASHBUILD_BRANCH at $$SLASHBUILD_REVISION"
	@sh ./check.sh
MK
printf '#!/bin/sh\nfor n in 1 2 3; do echo "check $n ok"; sleep 1; done\n' > check.sh
echo "# demo\nA repository for trying slashbuild." > README.md
g add -A && g commit -qm "Demo project"
g checkout -qb broken
printf '#!/bin/sh\necho "check 1 ok"\necho "error: check 2 failed" >&2\nexit 1\n' > check.sh
g commit -qam "A branch whose tests fail"
g checkout -q main
git bundle create "$here/demo.bundle" --all
