#!/usr/bin/env bash
# Rebuilds the vendored design system and the test-only accessibility checker from the
# npm registry: `bash src/web/ui/assets/vendor/update.sh` from the repository root.
# Keeps only what the pages use: the compiled CSS and JS, the files the CSS's url(...)s
# name (fonts as woff2, icons, a few images; not the hero image), the icon sprite and
# the licences. Relative paths stay as in the package (css/../fonts, css/../img).
set -euo pipefail
USWDS_VERSION=3.14.0
AXE_VERSION=4.14.1
cd "$(dirname "$0")/../../../../.."
VENDOR=src/web/ui/assets/vendor/uswds
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

(cd "$TMP" && npm pack --silent "@uswds/uswds@$USWDS_VERSION" "axe-core@$AXE_VERSION" >/dev/null)
mkdir -p "$TMP/uswds" "$TMP/axe"
tar xzf "$TMP/uswds-uswds-$USWDS_VERSION.tgz" -C "$TMP/uswds"
tar xzf "$TMP/axe-core-$AXE_VERSION.tgz" -C "$TMP/axe"
DIST="$TMP/uswds/package/dist"

rm -rf "$VENDOR"
mkdir -p "$VENDOR/css" "$VENDOR/js" "$VENDOR/img"
cp "$DIST/css/uswds.min.css" "$VENDOR/css/"
cp "$DIST/js/uswds.min.js" "$DIST/js/uswds-init.min.js" "$VENDOR/js/"
cp "$DIST/img/sprite.svg" "$VENDOR/img/"
cp "$TMP/uswds/package/LICENSE.md" "$VENDOR/LICENSE.md"
# Every file the stylesheet points at, except the hero photograph (no page uses .usa-hero).
grep -o 'url([^)]*)' "$DIST/css/uswds.min.css" \
    | sed -e 's/^url(//' -e 's/)$//' -e 's/^["'\'']//' -e 's/["'\'']$//' \
    | grep '^\.\./' | grep -v 'hero\.' | sort -u \
    | while read -r rel; do
        src="$DIST/css/$rel"
        dst="$VENDOR/css/$rel"
        mkdir -p "$(dirname "$dst")"
        cp "$src" "$dst"
    done

# Test-only: injected by the browser tests, never embedded in the binary.
cp "$TMP/axe/package/axe.min.js" tests/assets/axe.min.js
cp "$TMP/axe/package/LICENSE" tests/assets/axe-core.LICENSE
echo "vendored @uswds/uswds $USWDS_VERSION and axe-core $AXE_VERSION"
du -sh "$VENDOR" tests/assets
