#!/usr/bin/env bash
# After PyInstaller has built dist/Cene/: add the desktop entry and icon, then make the tarball.
set -euo pipefail
dist=${1:?usage: make_linux_package.sh DIST_DIR VERSION}
version=${2:?usage: make_linux_package.sh DIST_DIR VERSION}
app="$dist/Cene"
cp assets/icons/cene.png "$app/cene.png"
# Double-clicking this file in a file manager starts Cene from wherever the folder was unpacked
# (%k is the entry's own path). install-desktop-entry.sh adds Cene to the applications menu.
cat > "$app/Cene.desktop" <<'DESKTOP'
[Desktop Entry]
Type=Application
Name=Cene
Comment=Sort photos into scene albums
Exec=sh -c 'exec "$(dirname "$1")/Cene"' sh %k
Icon=cene
Terminal=false
Categories=Graphics;Photography;
DESKTOP
chmod +x "$app/Cene.desktop"
cat > "$app/install-desktop-entry.sh" <<'INSTALL'
#!/usr/bin/env sh
# Adds Cene to the desktop's application menu, pointing at this folder.
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HOME/.local/share/applications" "$HOME/.local/share/icons/hicolor/256x256/apps"
cp "$here/cene.png" "$HOME/.local/share/icons/hicolor/256x256/apps/cene.png"
sed "s|^Exec=.*|Exec=\"$here/Cene\"|; s|^Icon=.*|Icon=$here/cene.png|" "$here/Cene.desktop" \
  > "$HOME/.local/share/applications/cene.desktop"
echo "Cene added to the applications menu."
INSTALL
chmod +x "$app/install-desktop-entry.sh"
tarball="$dist/Cene-$version-linux-$(uname -m).tar.gz"
tar -C "$dist" -czf "$tarball" Cene
echo "built $app and $tarball"
