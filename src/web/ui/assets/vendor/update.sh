#!/usr/bin/env bash
# Rebuilds the vendored design system and the test-only accessibility checker from the
# npm registry: `bash src/web/ui/assets/vendor/update.sh` from the repository root.
# Keeps only what the pages use: the compiled CSS and JS, the files the CSS's url(...)s
# name (fonts as woff2, icons, a few images; not the hero image), the icon sprite and
# the licences. Relative paths stay as in the package (css/../fonts, css/../img).
set -euo pipefail
USWDS_VERSION=3.14.0
AXE_VERSION=4.14.1
# @uswds/uswds ships only LICENSE.md, which links to the licences of its fonts and icons;
# their full texts come from packages that ship them verbatim: the SIL OFL 1.1 from the
# Source Sans Pro font package, the Apache License 2.0 from the Material Icons one.
OFL_PACKAGE=@fontsource/source-sans-pro@5.3.0
APACHE_PACKAGE=material-icons@1.13.14
cd "$(dirname "$0")/../../../../.."
VENDOR=src/web/ui/assets/vendor/uswds
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

(cd "$TMP" && npm pack --silent "@uswds/uswds@$USWDS_VERSION" "axe-core@$AXE_VERSION" \
    "$OFL_PACKAGE" "$APACHE_PACKAGE" >/dev/null)
mkdir -p "$TMP/uswds" "$TMP/axe" "$TMP/ofl" "$TMP/apache"
tar xzf "$TMP/uswds-uswds-$USWDS_VERSION.tgz" -C "$TMP/uswds"
tar xzf "$TMP/axe-core-$AXE_VERSION.tgz" -C "$TMP/axe"
tar xzf "$TMP"/fontsource-source-sans-pro-*.tgz -C "$TMP/ofl"
tar xzf "$TMP"/material-icons-*.tgz -C "$TMP/apache"
DIST="$TMP/uswds/package/dist"

rm -rf "$VENDOR"
mkdir -p "$VENDOR/css" "$VENDOR/js" "$VENDOR/img"
cp "$DIST/css/uswds.min.css" "$VENDOR/css/"
cp "$DIST/js/uswds.min.js" "$DIST/js/uswds-init.min.js" "$VENDOR/js/"
cp "$DIST/img/sprite.svg" "$VENDOR/img/"
cp "$TMP/uswds/package/LICENSE.md" "$VENDOR/LICENSE.md"
# The full licence texts LICENSE.md refers to. The OFL's copyright lines are those of the
# fonts vendored here (as LICENSE.md states them), followed by the licence itself.
{
    cat <<'NOTICE'
The fonts under fonts/ are licensed under the SIL Open Font License, Version 1.1
(see LICENSE.md):

Source Sans Pro (fonts/source-sans-pro): Copyright 2010, 2012, 2014 Adobe Systems
Incorporated (http://www.adobe.com/), with Reserved Font Name 'Source'. All Rights
Reserved. Source is a trademark of Adobe Systems Incorporated in the United States
and/or other countries.

Merriweather (fonts/merriweather): Copyright Sorkin Type Co
(https://github.com/SorkinType/Merriweather), with Reserved Font Name 'Merriweather'.

The Font Awesome designs that LICENSE.md counts as Font Software are licensed under it too.

This Font Software is licensed under the SIL Open Font License, Version 1.1.
This license is copied below, and is also available with a FAQ at:
http://scripts.sil.org/OFL

NOTICE
    sed -n '/^-----/,$p' "$TMP/ofl/package/LICENSE"
} > "$VENDOR/OFL.txt"
grep -q 'SIL OPEN FONT LICENSE Version 1.1' "$VENDOR/OFL.txt"
cp "$TMP/apache/package/LICENSE" "$VENDOR/LICENSE-APACHE"
grep -q 'Apache License' "$VENDOR/LICENSE-APACHE"
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
